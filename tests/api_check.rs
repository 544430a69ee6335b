//! `POST /api/check` through the real router: only the holder of the API token can ask for a check,
//! and a check is all it can ask for.

use amiroll::ami::api::{ApiToken, OperatorApi};
use amiroll::ami::{CheckRequest, ReleaseOrigin};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tokio::sync::mpsc::{Receiver, channel};
use tower::ServiceExt;

const TOKEN: &str = "s3cr3t-operator-token-0123456789";

fn api(token: Option<&str>) -> (Router, Receiver<CheckRequest>) {
    let (tx, rx) = channel(4);
    let token = token.map(|t| ApiToken::new(t).unwrap());
    (OperatorApi::new(token, tx).router(), rx)
}

async fn post(router: &Router, authorization: Option<&str>) -> (StatusCode, Option<String>) {
    let mut request = Request::post(OperatorApi::CHECK_PATH);
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let challenge = response
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_owned());
    (response.status(), challenge)
}

#[tokio::test]
async fn without_a_token_the_answer_is_401() {
    let (router, mut checks) = api(Some(TOKEN));

    let (status, challenge) = post(&router, None).await;

    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(challenge.as_deref(), Some("Bearer"));
    assert!(checks.try_recv().is_err(), "no check was requested");
}

#[tokio::test]
async fn a_wrong_token_is_401() {
    let (router, mut checks) = api(Some(TOKEN));
    let almost = &TOKEN[..TOKEN.len() - 1];
    for authorization in [
        "Bearer wrong-token-of-some-length".to_owned(),
        format!("Bearer {almost}"),
        format!("Bearer {TOKEN}x"),
        format!("Bearer {}", TOKEN.to_uppercase()),
        format!("Basic {TOKEN}"),
        TOKEN.to_owned(),
        "Bearer ".to_owned(),
    ] {
        let (status, _) = post(&router, Some(&authorization)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{authorization:?}");
    }
    assert!(checks.try_recv().is_err(), "no check was requested");
}

#[tokio::test]
async fn the_right_token_asks_for_a_manual_check() {
    let (router, mut checks) = api(Some(TOKEN));

    let (status, _) = post(&router, Some(&format!("Bearer {TOKEN}"))).await;

    assert_eq!(status, StatusCode::ACCEPTED);
    let request = checks.try_recv().unwrap();
    assert_eq!(request.origin, ReleaseOrigin::Manual);
    assert!(
        checks.try_recv().is_err(),
        "exactly one check was requested"
    );
}

#[tokio::test]
async fn a_check_already_pending_is_still_accepted() {
    let (tx, mut checks) = channel(1);
    let router = OperatorApi::new(Some(ApiToken::new(TOKEN).unwrap()), tx).router();
    let authorization = format!("Bearer {TOKEN}");

    assert_eq!(
        post(&router, Some(&authorization)).await.0,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        post(&router, Some(&authorization)).await.0,
        StatusCode::ACCEPTED
    );

    assert_eq!(checks.try_recv().unwrap(), CheckRequest::manual());
    assert!(checks.try_recv().is_err(), "the queue held one request");
}

#[tokio::test]
async fn without_a_configured_token_the_api_is_disabled() {
    let (router, mut checks) = api(None);

    for authorization in [None, Some("Bearer anything-at-all-here"), Some("Bearer ")] {
        let (status, _) = post(&router, authorization).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{authorization:?}");
    }
    assert!(checks.try_recv().is_err(), "no check was requested");
}

#[tokio::test]
async fn only_post_is_served() {
    let (router, _checks) = api(Some(TOKEN));
    let request = Request::get(OperatorApi::CHECK_PATH)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap();

    let response = router.oneshot(request).await.unwrap();

    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}
