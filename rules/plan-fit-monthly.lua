--[[
plan-fit-monthly: tell me, once a month, when my plan does not fit the way I use Claude.

On the first day of each month (local time, from 09:00, or at the first check after it), it
looks at the last 30 days as `creditwatch plan` does: what I paid, what the same use costs
at API prices, and on how many days each plan's windows would have limited me (the other
plans' days are my window history scaled by their multiple of Pro). It emails when another
plan, or paying API prices, would have saved more than $20, or when my plan limited me on
more than 3 days. Nothing is sent in a month where the plan fits, or while creditwatch
cannot tell (no window history yet, or a Max plan whose size is not known: set `current`
under [plan] in the config).

Keyed by the month, so each month gets at most one message.
]]

local SAVING_USD, LIMITED_DAYS, HOUR = 20, 3, 9

return {
	description = "Once a month: tell me when another plan would have saved money or my plan limited me",
	channels = { "email" },
	check = function(s)
		local t = cw.local_time(s.now)
		local fit = s.plan.fit
		if t.day ~= 1 or t.hour < HOUR or not fit or not fit.best then
			return nil
		end
		local saves = fit.best ~= fit.current and fit.saving_usd > SAVING_USD
		local limited = (fit.current_limited_days or 0) > LIMITED_DAYS
		if not saves and not limited then
			return nil
		end
		local best = "API pay-as-you-go"
		for _, p in ipairs(fit.plans) do
			if p.key == fit.best then
				best = p.name
			end
		end
		local lines = { fit.verdict, "" }
		table.insert(lines, `Over the last 30 days you paid {cw.usd(fit.paid.total_usd)}; the same use at API prices: {cw.usd(fit.api_equivalent_usd)}.`)
		for _, p in ipairs(fit.plans) do
			local yours = if p.current then " (yours)" else ""
			table.insert(lines, `{p.name}{yours}: limited on {p.limited_days} of {fit.window_days} days, would cost {cw.usd(p.cost_usd)}.`)
		end
		table.insert(lines, "")
		table.insert(lines, "Other plans' days are your window history scaled by each plan's multiple of Pro; weekly limits do not scale exactly. `creditwatch plan` shows the last three months.")
		return {
			key = string.format("%04d-%02d", t.year, t.month),
			title = if saves
				then `Claude plan: {best} would have saved {cw.usd(fit.saving_usd)} in the last 30 days`
				else `Claude plan: limited on {fit.current_limited_days} days in the last 30`,
			body = table.concat(lines, "\n"),
			severity = "info",
		}
	end,
}
