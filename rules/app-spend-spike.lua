--[[
app-spend-spike: tell me when an app spends far more than usual.

Fires for each app whose spend in the last hour is more than FACTOR times its average
hourly spend over the last 7 days, and at least MIN_USD (so cents do not trigger it). One
alert per app, keyed by its name; it says which model costs the most today.
]]

local FACTOR = 3
local MIN_USD = 1

local function top_model(app)
	local best, usd = nil, 0
	for model, p in pairs(app.by_model) do
		if p.today > usd then
			best, usd = model, p.today
		end
	end
	return best, usd
end

return {
	description = "Tell me when an app's last hour costs 3x its usual hourly spend",
	channels = { "desktop" },
	scope = "machine", -- about this machine's apps and sources, not the account's pools
	check = function(s)
		local alerts = {}
		for name, app in pairs(s.apps) do
			local hourly = app.spend_usd.last_7d / (7 * 24)
			local last = app.spend_usd.last_hour
			if last >= MIN_USD and last > FACTOR * hourly then
				local model, usd = top_model(app)
				local by = if model then ` Most of today's spend is {model} ({cw.usd(usd)}).` else ""
				table.insert(alerts, {
					key = name,
					title = `{name} spent {cw.usd(last)} in the last hour`,
					body = `That is {string.format("%.1f", if hourly > 0 then last / hourly else 0)}x its 7-day hourly average of {cw.usd(hourly)}.{by}`,
					severity = "warning",
				})
			end
		end
		return alerts
	end,
}
