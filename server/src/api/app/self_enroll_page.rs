use actix_web::{HttpResponse, get, http::header};

/// The page an emailed self-enrollment link opens. The secret stays in the URL fragment; the page's
/// script sends it only in request bodies to `/v1/self-enrollment/start` and `/complete`.
const PAGE: &str = r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Set up your software token</title>
<style>
  body { font-family: -apple-system, "Segoe UI", Roboto, Arial, sans-serif; margin: 0; padding: 24px; color: #1d1d1f; background: #f5f5f7; }
  main { max-width: 28rem; margin: 0 auto; background: #fff; border-radius: 12px; padding: 24px; }
  h1 { font-size: 1.4rem; margin-top: 0; }
  button, input { font-size: 1.1rem; padding: 12px; border-radius: 8px; width: 100%; box-sizing: border-box; }
  button { background: #0a66c2; color: #fff; border: 0; margin-top: 12px; }
  input { border: 1px solid #999; letter-spacing: 4px; text-align: center; }
  #qr svg { width: 100%; height: auto; }
  code { word-break: break-all; }
  .problem { color: #b00020; }
  .done { color: #1b7f3b; }
</style>
</head>
<body>
<main>
  <h1>Set up your software token</h1>
  <p id="status">Preparing your token…</p>
  <div id="token" hidden>
    <ol>
      <li>Open your authenticator app and scan this code (or <a id="link" href="#">add it on this phone</a>).</li>
      <li>Type the 6-digit code the app shows, then press Finish.</li>
    </ol>
    <div id="qr"></div>
    <p>Key, to type in by hand: <code id="key"></code></p>
    <p>Serial: <code id="serial"></code></p>
    <input id="otp" inputmode="numeric" autocomplete="one-time-code" maxlength="6" placeholder="123456">
    <button id="finish">Finish</button>
  </div>
</main>
<script>
  (function () {
    var secret = window.location.hash.slice(1);
    var status = document.getElementById("status");
    function show(text, kind) { status.textContent = text; status.className = kind || ""; }
    function post(path, body) {
      return fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
        .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); });
    }
    if (!/^[0-9a-f]{32}\.[A-Za-z0-9_-]{43}$/.test(secret)) { show("This link is incomplete. Open the whole link from your email.", "problem"); return; }
    post("/v1/self-enrollment/start", { secret: secret }).then(function (r) {
      if (!r.ok) { show(r.body.detail || "This link does not work.", "problem"); return; }
      document.getElementById("qr").innerHTML = r.body.qr_svg;
      document.getElementById("link").href = r.body.otpauth_uri;
      document.getElementById("key").textContent = r.body.secret_base32;
      document.getElementById("serial").textContent = r.body.serial;
      document.getElementById("token").hidden = false;
      show("Finish by " + r.body.stop_date + ".");
    });
    document.getElementById("finish").addEventListener("click", function () {
      post("/v1/self-enrollment/complete", { secret: secret, otp: document.getElementById("otp").value }).then(function (r) {
        if (r.ok) { document.getElementById("token").hidden = true; show("Done: your token " + r.body.serial + " is set up.", "done"); }
        else { show(r.body.detail || "That did not work.", "problem"); }
      });
    });
  })();
</script>
</body>
</html>
"##;

/// The self-enrollment page
///
/// A small mobile-friendly page that an emailed self-enrollment link (`/self-enroll#<secret>`) opens:
/// it shows a fresh token as a QR code for the authenticator app and takes one code to finish. The
/// secret travels only in request bodies, never in a query string.
#[utoipa::path(
    tag = "app",
    responses((status = 200, description = "The page", body = String, content_type = "text/html")),
)]
#[get("/self-enroll")]
pub async fn get_self_enroll_page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; connect-src 'self'",
        ))
        .body(PAGE)
}
