--[[
credits-run-out-tomorrow: tell me the day before my usage credits run out.

Fires when the chance that the prepaid usage-credit balance runs out before the end of
tomorrow (local time) reaches 6 in 10, and stays firing until that chance falls under 2
in 10: one warning per run-out, not one each time the forecast wavers around the end of
tomorrow. A top-up starts afresh (the new balance gets its own warning if it needs one).
Once the balance is empty it is too late to warn: the warning ends there, quietly, and
none starts until the next top-up.
With auto-reload on, "runs out" means the next reload, and the message says so.

The thresholds were chosen on the forecast bench's tuning users (seeds 1-10), replaying
this rule hourly: starting at 0.6 and holding to 0.2, 81 % of the run-outs that had 12
hours of balance before them got a notification 12 to 72 hours ahead, 18 % of warnings
were followed by no run-out before the end of the next day, 0.99 warnings and 1.67
notifications per run-out. Starting at 0.65 warns less and less often wrongly (77 %, 15 %),
at 0.55 more and more often wrongly (83 %, 22 %). See docs/forecasts.md.

It tells you how likely, when (with the range the forecast gives, and the time zone), how
much is left, how much the next 24 hours are expected to cost, how much to add so they
last the next 7 days (in 9 futures out of 10), and the app that burns them,
when one app's spend explains at least a third of what the balance lost in the last 24
hours. The email has a chart of the balance over the last week with the forecast band. It
waits 15 minutes before firing, so one burst of work does not set it off, and reminds you
once a day while it still holds and the balance is not yet empty.

Change `channels` to choose where it goes: "email", "desktop", "webhook".
]]

-- Start at this chance of running out before the end of tomorrow; once started, hold on
-- until it falls below the second.
local START, KEEP = 0.6, 0.2

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
	repeat_after = "24h",
	notify_resolved = false,
	chart = "credits.balance_usd", -- the email shows the balance's last week and the forecast band
	check = function(s, open)
		local c = s.credits
		local chance = c and c.chance_out_by_tomorrow
		if not chance then
			return nil
		end
		-- One alert per balance: a top-up gives the next warning a key of its own.
		local key = if c.topped_up_at then `topped up {c.topped_up_at}` else "balance"
		-- Once empty, it is too late to warn, and a daily reminder would only repeat what
		-- the user already sees: the warning ends there, quietly (`notify_resolved` is off),
		-- and none starts again until a top-up.
		local empty = c.runs_out_at ~= nil and c.runs_out_at <= s.now
		if empty or chance < (if open(key) then KEEP else START) then
			return nil
		end
		local verb = if c.runs_out_means == "reload" then "auto-reload" else "run out"
		local likely = cw.chance(chance)
		local lines = {}
		if c.runs_out_at then
			table.insert(lines, `{cw.usd(c.balance_usd)} left; they {verb} {when(c)}, in {cw.duration(c.runs_out_at - s.now)}.`)
		else
			table.insert(lines, `{cw.usd(c.balance_usd)} left.`)
		end
		table.insert(lines, `That they {verb} before the end of tomorrow is {likely} ({cw.pct(chance * 100)}).`)
		if c.burn_usd_next_24h then
			table.insert(lines, `The next 24 hours are expected to cost {cw.usd(c.burn_usd_next_24h)}.`)
		end
		if c.topup_usd and c.topup_usd.days_7 > 0 then
			local stay = if c.runs_out_means == "reload" then "stay above the reload threshold" else "last"
			table.insert(lines, `To {stay} the next 7 days, add {cw.usd(c.topup_usd.days_7)} (enough in 9 futures out of 10).`)
		end
		local fell = if c.burn_usd_per_hour then c.burn_usd_per_hour * 24 else nil
		local app, spent = culprit(s, fell)
		if app then
			table.insert(lines, `{app} burns them: it spent {cw.usd(spent)} in the last 24 hours, while the balance fell {cw.usd(fell)}.`)
		end
		local day = if c.runs_out_at then cw.day_name(c.runs_out_at) else "by tomorrow"
		return {
			key = key,
			title = `Claude credits {verb} {day} ({likely})`,
			body = table.concat(lines, "\n"),
			severity = if c.runs_out_at and c.runs_out_at < cw.end_of_day(s.now) then "critical" else "warning",
		}
	end,
}
