--[[
credits-run-out-tomorrow: tell me the day before my usage credits run out.

Fires when, at the current burn rate, the prepaid usage-credit balance runs out before the
end of tomorrow (local time). With auto-reload on, "runs out" means the next reload, and the
message says so. It tells you when, how much is left, how fast it goes, and which app burns
the most; the email has a chart of the balance over the last week with the projection to
the run-out time. It waits 15 minutes before firing, so one burst of work does not set it off, and
reminds you every 12 hours while it still holds.

Change `channels` to choose where it goes: "email", "desktop", "webhook".
]]

-- The app with the highest spend per hour right now, or nil when nothing is spending.
local function top_app(s)
	local best, rate = nil, 0
	for name, app in pairs(s.apps) do
		if app.burn_usd_per_hour > rate then
			best, rate = name, app.burn_usd_per_hour
		end
	end
	return best, rate
end

return {
	description = "Tell me the day before my usage credits run out",
	channels = { "email", "desktop" },
	hold = "15m",
	repeat_after = "12h",
	notify_resolved = true,
	chart = "credits.balance_usd", -- the email shows the balance's last week and where it is heading
	check = function(s)
		local c = s.credits
		if not c or not c.runs_out_at or c.runs_out_at >= cw.end_of_day(s.now, 1) then
			return nil
		end
		local verb = if c.runs_out_means == "reload" then "auto-reload" else "run out"
		local lines = {
			`{cw.usd(c.balance_usd)} left; at {cw.usd(c.burn_usd_per_day)} a day they {verb} {cw.when(c.runs_out_at)} (in {cw.duration(c.runs_out_at - s.now)}).`,
		}
		local app, rate = top_app(s)
		if app then
			table.insert(lines, `{app} burns the most: {cw.usd(rate)} an hour, {cw.usd(s.apps[app].spend_usd.today)} today.`)
		end
		return {
			title = `Claude credits {verb} {cw.day_name(c.runs_out_at)}`,
			body = table.concat(lines, "\n"),
			severity = if c.runs_out_at < cw.end_of_day(s.now) then "critical" else "warning",
		}
	end,
}
