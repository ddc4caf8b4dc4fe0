--[[
plan-window-nearly-full: warn me when a plan window will fill up before it resets.

Claude plans limit use in windows (five_hour, seven_day, ...). This fires for each window
that, at the current rate, reaches 100 % before it resets, once it is at least 50 % used
(so a quiet start does not set it off). One alert per window, keyed by its name.
]]

local MIN_USED_PCT = 50

return {
	description = "Warn me when a plan window will be full before it resets",
	channels = { "desktop" },
	hold = "10m",
	notify_resolved = false,
	check = function(s)
		local alerts = {}
		for name, w in pairs(s.plan.windows) do
			if w.full_at and w.used_pct >= MIN_USED_PCT then
				local reset = if w.resets_at then `; it resets {cw.when(w.resets_at)}` else ""
				table.insert(alerts, {
					key = name,
					title = `Claude {name} window full {cw.when(w.full_at)}`,
					body = `{cw.pct(w.used_pct)} used, {cw.pct(w.burn_pct_per_hour)} an hour: full in {cw.duration(w.full_at - s.now)}{reset}.`,
					severity = if w.used_pct >= 90 then "critical" else "warning",
				})
			end
		end
		return alerts
	end,
}
