use actix_web::{HttpResponse, get, http::header};

/// The page a registration link opens on the user's phone. The secret stays in the URL fragment: the
/// page's script hands it to the app through the `enrolld://register#<secret>` deep link and never
/// sends it to a server.
const PAGE: &str = r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Set up the authenticator app</title>
<style>
  body { font-family: -apple-system, "Segoe UI", Roboto, Arial, sans-serif; margin: 0; padding: 24px; color: #1d1d1f; background: #f5f5f7; }
  main { max-width: 28rem; margin: 0 auto; background: #fff; border-radius: 12px; padding: 24px; }
  h1 { font-size: 1.4rem; margin-top: 0; }
  a.button { display: block; text-align: center; background: #0a66c2; color: #fff; text-decoration: none; padding: 14px; border-radius: 8px; font-size: 1.1rem; margin: 20px 0; }
  .problem { color: #b00020; }
  ol { padding-left: 1.2rem; line-height: 1.6; }
</style>
</head>
<body>
<main>
  <h1>Set up the authenticator app</h1>
  <div id="ready" hidden>
    <p>Tap the button to finish setting up the app on this phone.</p>
    <a class="button" id="open" href="#">Open the authenticator app</a>
    <ol>
      <li>If nothing happens, install the authenticator app from your app store, then come back to this link.</li>
      <li>The link works once. If it has expired or was used, ask your service desk for a new one.</li>
    </ol>
  </div>
  <p id="missing" class="problem" hidden>This link is incomplete. Open the whole link from your email or SMS, or scan the QR code again.</p>
</main>
<script>
  (function () {
    var secret = window.location.hash.slice(1);
    if (!/^[0-9a-f]{32}\.[A-Za-z0-9_-]{43}$/.test(secret)) {
      document.getElementById("missing").hidden = false;
      return;
    }
    var link = "enrolld://register#" + secret;
    document.getElementById("open").href = link;
    document.getElementById("ready").hidden = false;
    window.location.replace(link);
  })();
</script>
</body>
</html>
"##;

/// The registration page
///
/// A small mobile-friendly page that a registration link (`/enroll#<secret>`) opens. It reads the
/// secret from the URL fragment and hands it to the app through the `enrolld://register#<secret>` deep
/// link, with a button and plain instructions; the secret never reaches a server.
#[utoipa::path(
    tag = "app",
    responses((status = 200, description = "The page", body = String, content_type = "text/html")),
)]
#[get("/enroll")]
pub async fn get_enroll_page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'",
        ))
        .body(PAGE)
}
