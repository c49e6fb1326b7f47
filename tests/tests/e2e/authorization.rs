use enrolld::auth::scopes::Scope;
use enrolld_tests::TestServer;
use serde_json::Value;

/// Walks every operation of the document: with no token it is 401 with the bearer challenge, and with a
/// token holding every scope but the one it needs it is 403 naming that scope. Public operations
/// answer without a token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_requires_its_scope() {
    let server = TestServer::start().await;
    let spec: Value = serde_json::from_str(&enrolld::api::openapi::document_text()).unwrap();
    let http = server.http();
    let mut secured = 0;
    for (template, item) in spec["paths"].as_object().unwrap() {
        let path = template.replace(['{', '}'], "");
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap();
            let request = || {
                http.request(method.to_uppercase().parse().unwrap(), server.url(&path))
                    .header("content-type", "application/json")
                    .body("{}")
            };
            let anonymous_allowed = operation["security"].as_array().is_some_and(|list| {
                list.iter()
                    .any(|r| r.as_object().is_some_and(|m| m.is_empty()))
            });
            let security = operation.get("security").filter(|_| !anonymous_allowed);
            let Some(security) = security else {
                let status = request().send().await.unwrap().status().as_u16();
                assert!(
                    ![401, 403].contains(&status) && status < 500,
                    "public {id} answered {status}"
                );
                continue;
            };
            secured += 1;
            let needed: Vec<Scope> = security[0]["bearer"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().parse().unwrap())
                .collect();
            assert!(!needed.is_empty(), "{id} names no scope");

            let response = request().send().await.unwrap();
            assert_eq!(response.status(), 401, "{id} without a token");
            let challenge = response.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .to_owned();
            assert!(
                challenge.starts_with("Bearer error=\"invalid_token\""),
                "{id}: {challenge}"
            );

            for missing in &needed {
                let others: Vec<Scope> = Scope::ALL
                    .iter()
                    .copied()
                    .filter(|s| s != missing)
                    .collect();
                let response = request()
                    .bearer_auth(server.token("agent", &others))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 403, "{id} without {missing}");
                let challenge = response.headers()["www-authenticate"]
                    .to_str()
                    .unwrap()
                    .to_owned();
                assert_eq!(
                    challenge,
                    format!("Bearer error=\"insufficient_scope\", scope=\"{missing}\"")
                );
                let body: Value = response.json().await.unwrap();
                assert_eq!(body["code"], "insufficient_scope");
            }

            let response = request()
                .bearer_auth(server.token("agent", &needed))
                .send()
                .await
                .unwrap();
            assert!(
                ![401, 403].contains(&response.status().as_u16()),
                "{id} with exactly {needed:?} answered {}",
                response.status()
            );
        }
    }
    assert!(secured >= 9, "only {secured} secured operations found");
}
