use enrolld_tests::TestServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_metrics() {
    let server = TestServer::start().await;
    let client = server.admin();
    assert_eq!(
        client
            .get_health()
            .send()
            .await
            .unwrap()
            .into_inner()
            .status,
        "ok"
    );
    assert_eq!(
        client
            .get_readiness()
            .send()
            .await
            .unwrap()
            .into_inner()
            .status,
        "ok"
    );
    client.list_users().send().await.unwrap();
    let _ = server
        .http()
        .get(server.url("/v1/users"))
        .send()
        .await
        .unwrap();
    let text = server
        .http()
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("enrolld_http_requests_total{operation=\"list_users\",status=\"200\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("enrolld_http_requests_total{operation=\"list_users\",status=\"401\"} 1"),
        "{text}"
    );
    assert!(text.contains(
        "enrolld_http_request_duration_seconds_count{operation=\"list_users\",status=\"200\"} 1"
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swagger_ui_and_the_document_are_served() {
    let server = TestServer::start().await;
    let http = server.http();
    let redirect = enrolld::outbound::http_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = redirect
        .get(server.url("/swagger-ui"))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection());
    assert_eq!(response.headers()["location"], "/swagger-ui/");
    let page = http.get(server.url("/swagger-ui/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("swagger"));
    let initializer = http
        .get(server.url("/swagger-ui/swagger-initializer.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(initializer.contains("/openapi.json"), "{initializer}");
    let served = http
        .get(server.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../openapi/openapi.json"
    ))
    .unwrap();
    assert_eq!(served, committed);
}
