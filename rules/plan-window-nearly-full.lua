--[[
plan-window-nearly-full: warn me when a plan window will fill up before it resets.

Claude plans limit use in windows (the 5-hour one, the weekly ones). This fires for each window
that the forecast says reaches 100 % before it resets, once it is at least 50 % used (so a
quiet start does not set it off). The forecast learns how you fill each window over your
week, so a burst at the start of a 5-hour window does not cry wolf. One alert per window,
keyed by its name.
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
				local range = if w.full_earliest and w.full_latest and w.full_latest - w.full_earliest >= 600
					then ` (between {cw.time(w.full_earliest)} and {cw.time(w.full_latest)})`
					else ""
				table.insert(alerts, {
					key = name,
					title = `Claude {cw.window_name(name)} window full {cw.when(w.full_at)} {cw.zone(w.full_at)}`,
					body = `{cw.pct(w.used_pct)} used: full in {cw.duration(w.full_at - s.now)}{range}{reset}.`,
					severity = if w.used_pct >= 90 then "critical" else "warning",
				})
			end
		end
		return alerts
	end,
}
