--[[
daily-digest: one summary of my Claude spending each morning.

Fires once a day, at 09:00 local time (or at the first check after it, if the computer was
asleep), keyed by the date so each day gets its own message. It lists the credit balance,
the plan windows, extra usage, and what each app spent today so far, in 7 days and this
month.
]]

local HOUR = 9

return {
	description = "One summary of my Claude spending each morning at 09:00",
	channels = { "email" },
	check = function(s)
		local t = cw.local_time(s.now)
		if t.hour < HOUR then
			return nil
		end
		local lines = {}
		local c = s.credits
		if c then
			local out = if c.runs_out_at then `, lasting until {cw.when(c.runs_out_at)}` else ""
			table.insert(lines, `Credits: {cw.usd(c.balance_usd)}{out}.`)
		end
		for name, w in pairs(s.plan.windows) do
			table.insert(lines, `{cw.window_name(name)} window: {cw.pct(w.used_pct)} used.`)
		end
		local x = s.extra_usage
		if x and x.enabled and x.used_usd then
			local cap = if x.limit_usd then ` of {cw.usd(x.limit_usd)}` else ""
			table.insert(lines, `Extra usage: {cw.usd(x.used_usd)}{cap} this month.`)
		end
		for name, app in pairs(s.apps) do
			table.insert(lines, `{name}: {cw.usd(app.spend_usd.today)} today, {cw.usd(app.spend_usd.last_7d)} in 7 days, {cw.usd(app.spend_usd.this_month)} this month.`)
		end
		if s.api then
			table.insert(lines, `API: {cw.usd(s.api.today_usd)} today, {cw.usd(s.api.month_usd)} this month.`)
		end
		if #lines == 0 then
			table.insert(lines, "Nothing to report yet: no source has reported any usage.")
		end
		return {
			key = t.date,
			title = `Claude spending, {cw.date(s.now)}`,
			body = table.concat(lines, "\n"),
			severity = "info",
		}
	end,
}
