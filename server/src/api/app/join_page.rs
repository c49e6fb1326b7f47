use actix_web::{HttpResponse, get, http::header};

/// The page for petitions: `/join#<secret>` (an invitation or confirmation link) and `/join/{flow}`
/// (a self-signup). The secret stays in the URL fragment; the script sends it only in request
/// bodies to `/v1/join/...`.
pub const PAGE: &str = r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Join</title>
<style>
  body { font-family: -apple-system, "Segoe UI", Roboto, Arial, sans-serif; margin: 0; padding: 24px; color: #1d1d1f; background: #f5f5f7; }
  main { max-width: 28rem; margin: 0 auto; background: #fff; border-radius: 12px; padding: 24px; }
  h1 { font-size: 1.4rem; margin-top: 0; }
  label { display: block; margin-top: 12px; }
  button, input { font-size: 1.1rem; padding: 12px; border-radius: 8px; width: 100%; box-sizing: border-box; }
  button { background: #0a66c2; color: #fff; border: 0; margin-top: 12px; }
  button.quiet { background: #e8e8ed; color: #1d1d1f; }
  input { border: 1px solid #999; }
  #code { letter-spacing: 4px; text-align: center; }
  .problem { color: #b00020; }
  .done { color: #1b7f3b; }
</style>
</head>
<body>
<main>
  <h1 id="title">Join</h1>
  <p id="description"></p>
  <p id="status">Loading…</p>
  <form id="form" hidden>
    <div id="email-row"><label for="email">Email address</label><input id="email" type="email" autocomplete="email" required></div>
    <div id="names">
      <label for="given">Given name</label><input id="given" autocomplete="given-name">
      <label for="family">Family name</label><input id="family" autocomplete="family-name">
    </div>
    <div id="code-row"><label for="code">Code from the email</label><input id="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" placeholder="123456"></div>
    <button id="go" type="submit">Continue</button>
    <button id="decline" class="quiet" type="button" hidden>No, thank you</button>
  </form>
</main>
<script>
  (function () {
    var $ = function (id) { return document.getElementById(id); };
    var flow = (window.location.pathname.match(/^\/join\/([a-z0-9][a-z0-9._-]{0,62})$/) || [])[1];
    var secret = window.location.hash.slice(1);
    var step = flow ? "start" : "confirm";
    function show(text, kind) { $("status").textContent = text; $("status").className = kind || ""; }
    function rows(email, names, code) { $("email-row").hidden = !email; $("names").hidden = !names; $("code-row").hidden = !code; }
    function post(path, body) {
      return fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
        .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); });
    }
    function ended(view) { $("form").hidden = true; show(view.message, view.status === "denied" || view.status === "failed" ? "problem" : "done"); }
    function shown(view) {
      $("title").textContent = "Join: " + view.flow;
      $("description").textContent = (view.description || "") + " (" + view.email + ")";
      if (view.status !== "pending_confirmation") { ended(view); return; }
      rows(false, view.needs_names, view.needs_code);
      $("decline").hidden = false;
      $("form").hidden = false;
      show(view.message);
    }
    if (flow) {
      $("title").textContent = "Join: " + flow;
      rows(true, true, false);
      $("form").hidden = false;
      show("Give your email address and your names; we send you a message to confirm the address.");
    } else if (!/^[0-9a-f]{32}\.[A-Za-z0-9_-]{43}$/.test(secret)) {
      show("This link is incomplete. Open the whole link from your email.", "problem");
      return;
    } else {
      post("/v1/join/view", { secret: secret }).then(function (r) {
        if (r.ok) { shown(r.body); } else { show(r.body.detail || "This link does not work.", "problem"); }
      });
    }
    $("form").addEventListener("submit", function (event) {
      event.preventDefault();
      if (step === "start") {
        post("/v1/join/" + flow + "/start", { email: $("email").value, given_name: $("given").value, family_name: $("family").value }).then(function (r) {
          if (!r.ok) { show(r.body.detail || "That did not work.", "problem"); return; }
          if (!r.body.secret) { $("form").hidden = true; show(r.body.message, "done"); return; }
          secret = r.body.secret; step = "confirm";
          rows(false, false, true);
          show("We sent a code to your address: enter it here.");
        });
        return;
      }
      var body = { secret: secret };
      if (!$("code-row").hidden) { body.code = $("code").value; }
      if (!$("names").hidden) { body.given_name = $("given").value; body.family_name = $("family").value; }
      $("go").disabled = true;
      post("/v1/join/confirm", body).then(function (r) {
        $("go").disabled = false;
        if (r.ok) { ended(r.body); } else { show(r.body.detail || "That did not work.", "problem"); }
      });
    });
    $("decline").addEventListener("click", function () {
      if (!window.confirm("Decline for good? The link stops working.")) { return; }
      post("/v1/join/decline", { secret: secret }).then(function (r) {
        if (r.ok) { ended(r.body); } else { show(r.body.detail || "That did not work.", "problem"); }
      });
    });
  })();
</script>
</body>
</html>
"##;

/// A public page: HTML that is never cached, sends no referrer, and may talk only to this server.
pub fn page(body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; connect-src 'self'",
        ))
        .body(body)
}

/// The join page
///
/// A small mobile-friendly page that an emailed invitation or confirmation link (`/join#<secret>`)
/// opens: it shows the flow and the masked address, asks for the emailed code and the names when
/// needed, and confirms (or declines) the petition, then says where it went. The secret travels
/// only in request bodies, never in a query string.
#[utoipa::path(
    tag = "join",
    responses((status = 200, description = "The page", body = String, content_type = "text/html")),
)]
#[get("/join")]
pub async fn get_join_page() -> HttpResponse {
    page(PAGE)
}
