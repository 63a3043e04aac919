-- post.lua — the wrk script the course's load test names (wrk -s post.lua) but never gives (fixed).
-- Every request is POST /v1/echo with a JSON body.
wrk.method = "POST"
wrk.body = '{"text":"load"}'
wrk.headers["Content-Type"] = "application/json"
