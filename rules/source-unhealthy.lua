--[[
source-unhealthy: tell me when creditwatch cannot see my usage.

Fires for each source (per account) whose data is more than 30 minutes old, that has
failed at every attempt for 30 minutes without ever working, whose Claude Code sign-in has
expired, or that has been rate limited for two hours (a shorter rate limit is normal and
passes on its own). The status line source is left out: it only reports while Claude Code
runs. Tells you again when it recovers.
]]

local STALE_S = 30 * 60
local RATE_LIMITED_S = 2 * 3600

local function problem(s, h)
	local failing_for = if h.failing_since then s.now - h.failing_since else nil
	if h.error and string.find(h.error, "expired", 1, true) then
		return "its sign-in has expired", h.error
	end
	if h.error and string.find(h.error, "HTTP 429", 1, true) then
		if failing_for and failing_for >= RATE_LIMITED_S then
			return `it has been rate limited for {cw.duration(failing_for)}`, h.error
		end
		return nil
	end
	if h.age_s == nil and failing_for and failing_for > STALE_S then
		return `it has never worked (failing for {cw.duration(failing_for)})`, h.error or "no error reported"
	end
	if h.age_s and h.age_s > STALE_S and h.stale then
		return `its data is {cw.duration(h.age_s)} old`, h.error or "no error reported"
	end
	return nil
end

return {
	description = "Tell me when a source's data is stale, it never worked, its sign-in expired or it is rate limited",
	channels = { "desktop" },
	scope = "machine", -- about this machine's sources, not the account's pools
	hold = "5m",
	notify_resolved = true,
	check = function(s)
		local alerts = {}
		for account, a in pairs(s.accounts) do
			for name, h in pairs(a.sources) do
				if name ~= "statusline" then
					local what, detail = problem(s, h)
					if what then
						local label = if account == s.account then name else `{name} ({account})`
						table.insert(alerts, {
							key = `{account}/{name}`,
							title = `creditwatch cannot read {label}: {what}`,
							body = detail,
							severity = "warning",
						})
					end
				end
			end
		end
		return alerts
	end,
}
