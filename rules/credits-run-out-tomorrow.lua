--[[
credits-run-out-tomorrow: tell me the day before my usage credits run out.

Fires when the forecast says the prepaid usage-credit balance runs out before the end of
tomorrow (local time). With auto-reload on, "runs out" means the next reload, and the
message says so. It tells you when (with the range the forecast gives, and the time zone),
how much is left, how much the next 24 hours are expected to cost, and the app that burns
them, when one app's spend explains at least a third of what the balance lost in the last
24 hours. The email has a chart of the balance over the last week with the forecast band.
It waits 15 minutes before firing, so one burst of work does not set it off, and reminds
you every 12 hours while it still holds.

Change `channels` to choose where it goes: "email", "desktop", "webhook".
]]

-- The app that spent the most over the last 24 hours, if that explains at least a third of
-- the `fell` dollars the balance lost over them.
local function culprit(s, fell)
	local best, spent = nil, 0
	for name, app in pairs(s.apps) do
		if app.spend_usd.last_24h > spent then
			best, spent = name, app.spend_usd.last_24h
		end
	end
	if best and fell and fell > 0 and spent >= fell / 3 then
		return best, spent
	end
	return nil
end

-- "tomorrow at 07:00 CET (between 03:10 and 11:40)"
local function when(c)
	local text = `{cw.when(c.runs_out_at)} {cw.zone(c.runs_out_at)}`
	local lo, hi = c.runs_out_earliest, c.runs_out_latest
	if lo and hi and hi - lo >= 3600 and cw.day_name(lo) == cw.day_name(hi) then
		return `{text} (between {cw.time(lo)} and {cw.time(hi)})`
	elseif lo and hi and hi - lo >= 3600 then
		return `{text} (between {cw.when(lo)} and {cw.when(hi)})`
	elseif lo and not hi then
		return `{text} (from {cw.when(lo)}, perhaps much later)`
	end
	return text
end

return {
	description = "Tell me the day before my usage credits run out",
	channels = { "email", "desktop" },
	hold = "15m",
	repeat_after = "12h",
	notify_resolved = true,
	chart = "credits.balance_usd", -- the email shows the balance's last week and the forecast band
	check = function(s)
		local c = s.credits
		if not c or not c.runs_out_at or c.runs_out_at >= cw.end_of_day(s.now, 1) then
			return nil
		end
		local verb = if c.runs_out_means == "reload" then "auto-reload" else "run out"
		local lines = {
			`{cw.usd(c.balance_usd)} left; they {verb} {when(c)}, in {cw.duration(c.runs_out_at - s.now)}.`,
		}
		if c.burn_usd_next_24h then
			table.insert(lines, `The next 24 hours are expected to cost {cw.usd(c.burn_usd_next_24h)}.`)
		end
		local fell = if c.burn_usd_per_hour then c.burn_usd_per_hour * 24 else nil
		local app, spent = culprit(s, fell)
		if app then
			table.insert(lines, `{app} burns them: it spent {cw.usd(spent)} in the last 24 hours, while the balance fell {cw.usd(fell)}.`)
		end
		return {
			title = `Claude credits {verb} {cw.day_name(c.runs_out_at)}`,
			body = table.concat(lines, "\n"),
			severity = if c.runs_out_at < cw.end_of_day(s.now) then "critical" else "warning",
		}
	end,
}
