--[[
extra-usage-cap: warn me when extra usage nears its monthly cap.

With a cap: fires at 80 % of it (change CAP_PCT). Without a cap (uncapped extra usage):
fires when this month's extra usage passes UNCAPPED_USD (change it to your own comfort
level). The message says how much is used, what the next 24 hours are expected to cost and,
with a cap, when the forecast says it will be reached (with its range).
]]

local CAP_PCT = 80
local UNCAPPED_USD = 100

return {
	description = "Warn me at 80 % of the extra-usage cap, or past $100 without a cap",
	channels = { "email", "desktop" },
	repeat_after = "24h",
	chart = "extra_usage.used_usd",
	check = function(s)
		local x = s.extra_usage
		if not x or not x.enabled or not x.used_usd then
			return nil
		end
		local rate = if x.burn_usd_next_24h
			then `; the next 24 hours are expected to cost {cw.usd(x.burn_usd_next_24h)}`
			else ""
		if x.limit_usd then
			if x.used_pct and x.used_pct >= CAP_PCT then
				local reach = ""
				if x.limit_at then
					reach = ` It reaches the cap {cw.when(x.limit_at)} {cw.zone(x.limit_at)}`
					if x.limit_earliest and x.limit_latest and x.limit_latest - x.limit_earliest >= 3600 then
						reach ..= ` (between {cw.when(x.limit_earliest)} and {cw.when(x.limit_latest)})`
					end
					reach ..= "."
				end
				return {
					title = `Extra usage at {cw.pct(x.used_pct)} of its {cw.usd(x.limit_usd)} cap`,
					body = `{cw.usd(x.used_usd)} used this month{rate}; {cw.usd(x.remaining_usd)} left until it resets {cw.day_name(x.resets_at)}.{reach}`,
					severity = if x.used_pct >= 95 then "critical" else "warning",
				}
			end
		elseif x.used_usd >= UNCAPPED_USD then
			return {
				title = `Uncapped extra usage passed {cw.usd(UNCAPPED_USD)} this month`,
				body = `{cw.usd(x.used_usd)} used this month{rate}. There is no cap, so it can keep growing.`,
				severity = "warning",
			}
		end
		return nil
	end,
}
