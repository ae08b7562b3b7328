//! The connector kit's HTTP client against a local fake server on 127.0.0.1:
//! each failure class behaves as the table in connectors/http.rs says, counted
//! in real requests.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use pulseboard::connectors::{Classify, Failure, FetchError, HttpClient, HttpConfig, Standard};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Clone, Default)]
struct Hits(Arc<AtomicU32>);

impl Hits {
    /// Count this request; returns which one it is (1, 2, …).
    fn next(&self) -> u32 {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

/// Short waits so the suite stays fast; the classes and counts are what matter.
fn client() -> HttpClient {
    HttpClient::new(HttpConfig {
        backoff_base: Duration::from_millis(20),
        request_timeout: Duration::from_millis(500),
        ..HttpConfig::default()
    })
    .unwrap()
}

async fn get_text(c: &HttpClient, url: &str, vendor: &dyn Classify) -> Result<String, FetchError> {
    let reply = c.send(|http| http.get(url), vendor).await?;
    Ok(String::from_utf8(reply.body.to_vec()).unwrap())
}

#[tokio::test]
async fn rate_limited_with_retry_after_then_ok() {
    let hits = Hits::default();
    let base = serve(
        Router::new().route(
            "/orders",
            get(|State(h): State<Hits>| async move {
                if h.next() == 1 {
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        [("Retry-After", "1")],
                        "slow down",
                    )
                        .into_response()
                } else {
                    "page".into_response()
                }
            })
            .with_state(hits.clone()),
        ),
    )
    .await;
    let c = client();
    let started = Instant::now();
    assert_eq!(
        get_text(&c, &format!("{base}/orders"), &Standard)
            .await
            .unwrap(),
        "page"
    );
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited for Retry-After"
    );
    assert_eq!(
        hits.0.load(Ordering::SeqCst),
        2,
        "the same request, once more"
    );
    assert_eq!(c.requests(), 2);
}

#[tokio::test]
async fn unavailable_twice_then_ok() {
    let hits = Hits::default();
    let base = serve(
        Router::new().route(
            "/x",
            get(|State(h): State<Hits>| async move {
                if h.next() <= 2 {
                    StatusCode::SERVICE_UNAVAILABLE.into_response()
                } else {
                    "ok".into_response()
                }
            })
            .with_state(hits.clone()),
        ),
    )
    .await;
    assert_eq!(
        get_text(&client(), &format!("{base}/x"), &Standard)
            .await
            .unwrap(),
        "ok"
    );
    assert_eq!(hits.0.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn server_errors_give_up_after_three_retries() {
    let hits = Hits::default();
    let base = serve(
        Router::new().route(
            "/x",
            get(|State(h): State<Hits>| async move {
                h.next();
                (StatusCode::BAD_GATEWAY, "upstream down")
            })
            .with_state(hits.clone()),
        ),
    )
    .await;
    let err = get_text(&client(), &format!("{base}/x"), &Standard)
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::Transient { attempts: 4, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("HTTP 502"), "{err}");
    assert_eq!(hits.0.load(Ordering::SeqCst), 4, "1 try + 3 retries");
}

#[tokio::test]
async fn a_timeout_is_transient_and_retried() {
    let hits = Hits::default();
    let base = serve(
        Router::new().route(
            "/slow",
            get(|State(h): State<Hits>| async move {
                h.next();
                tokio::time::sleep(Duration::from_secs(5)).await;
                "too late"
            })
            .with_state(hits.clone()),
        ),
    )
    .await;
    let c = HttpClient::new(HttpConfig {
        request_timeout: Duration::from_millis(200),
        backoff_base: Duration::from_millis(10),
        transient_retries: 1,
        ..HttpConfig::default()
    })
    .unwrap();
    let err = get_text(&c, &format!("{base}/slow"), &Standard)
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::Transient { attempts: 2, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("timed out"), "{err}");
    assert_eq!(hits.0.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_reset_connection_is_transient() {
    // A server that accepts and hangs up without a word.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Hits::default();
    let counter = accepted.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            counter.next();
            drop(stream);
        }
    });
    let err = get_text(&client(), &format!("http://{addr}/x"), &Standard)
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::Transient { attempts: 4, .. }),
        "{err}"
    );
    assert_eq!(accepted.0.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn unauthorized_is_not_retried_and_secrets_stay_out_of_errors() {
    let hits = Hits::default();
    let base = serve(
        Router::new().route(
            "/x",
            get(|State(h): State<Hits>, headers: HeaderMap| async move {
                h.next();
                let token = headers
                    .get("x-token")
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_string();
                (
                    StatusCode::UNAUTHORIZED,
                    format!(r#"{{"errors":"[API] Invalid API key or access token {token}"}}"#),
                )
            })
            .with_state(hits.clone()),
        ),
    )
    .await;
    let token = "shpat_secret_1234567890";
    let c = client().redacting([token.to_string()]);
    let err = c
        .send(
            |http| {
                http.get(format!("{base}/x?access_token={token}"))
                    .header("x-token", token)
            },
            &Standard,
        )
        .await
        .unwrap_err();
    assert!(err.is_auth(), "{err}");
    assert_eq!(
        hits.0.load(Ordering::SeqCst),
        1,
        "no retry on bad credentials"
    );
    let text = err.to_string();
    assert!(
        text.contains("Invalid API key") && !text.contains(token),
        "{text}"
    );
}

#[tokio::test]
async fn other_client_errors_are_fatal_and_urls_are_redacted() {
    let hits = Hits::default();
    let base = serve(
        Router::new().route(
            "/missing",
            get(|State(h): State<Hits>| async move {
                h.next();
                (StatusCode::NOT_FOUND, r#"{"errors":"Not Found"}"#)
            })
            .with_state(hits.clone()),
        ),
    )
    .await;
    let err = get_text(
        &client(),
        &format!("{base}/missing?access_token=EAAsecret&limit=5"),
        &Standard,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, FetchError::Fatal { status: 404, .. }),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        !text.contains("EAAsecret") && text.contains("limit=5"),
        "{text}"
    );
    assert_eq!(hits.0.load(Ordering::SeqCst), 1);
}

/// A vendor whose throttle signal is in a 200 body, as Shopify's GraphQL does.
struct ThrottledIn200;
impl Classify for ThrottledIn200 {
    fn classify(
        &self,
        status: reqwest::StatusCode,
        _: &reqwest::header::HeaderMap,
        body: &[u8],
    ) -> Option<Failure> {
        let throttled =
            status.is_success() && String::from_utf8_lossy(body).contains("\"THROTTLED\"");
        throttled.then_some(Failure::RateLimited {
            retry_after: Some(Duration::from_millis(300)),
        })
    }
}

#[tokio::test]
async fn a_vendor_throttle_signal_in_a_200_is_honoured() {
    let hits = Hits::default();
    let base = serve(
        Router::new().route(
            "/graphql",
            get(|State(h): State<Hits>| async move {
                if h.next() == 1 {
                    r#"{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED"}}]}"#
                } else {
                    r#"{"data":{}}"#
                }
            })
            .with_state(hits.clone()),
        ),
    )
    .await;
    let c = client();
    let started = Instant::now();
    let body = get_text(&c, &format!("{base}/graphql"), &ThrottledIn200)
        .await
        .unwrap();
    assert_eq!(body, r#"{"data":{}}"#);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "waited the vendor's hint"
    );
    assert_eq!(hits.0.load(Ordering::SeqCst), 2);
    assert_eq!(c.counters().rate_limited.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_rate_limit_longer_than_we_wait_fails_clearly() {
    let base = serve(Router::new().route(
        "/x",
        get(|| async { (StatusCode::TOO_MANY_REQUESTS, [("Retry-After", "3600")], "") }),
    ))
    .await;
    let c = HttpClient::new(HttpConfig {
        max_wait: Duration::from_secs(60),
        ..HttpConfig::default()
    })
    .unwrap();
    let err = get_text(&c, &format!("{base}/x"), &Standard)
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::WaitTooLong { .. }), "{err}");
}

#[tokio::test]
async fn requests_are_paced_per_connection() {
    let base = serve(Router::new().route("/x", get(|| async { "ok" }))).await;
    let c = HttpClient::new(HttpConfig {
        requests_per_second: Some(20.0),
        ..HttpConfig::default()
    })
    .unwrap();
    let started = Instant::now();
    for _ in 0..6 {
        get_text(&c, &format!("{base}/x"), &Standard).await.unwrap();
    }
    // Six requests at 20/s need at least five 50 ms gaps.
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_rolling_window_lets_a_burst_through_then_waits_for_the_oldest() {
    let base = serve(Router::new().route("/x", get(|| async { "ok" }))).await;
    let c = HttpClient::new(HttpConfig {
        window: Some(pulseboard::connectors::RateWindow {
            requests: 4,
            per: Duration::from_millis(400),
        }),
        ..HttpConfig::default()
    })
    .unwrap();
    let started = Instant::now();
    let mut at = Vec::new();
    for _ in 0..9 {
        get_text(&c, &format!("{base}/x"), &Standard).await.unwrap();
        at.push(started.elapsed());
    }
    // The first four at once; the fifth when the first leaves the window,
    // the ninth when the fifth does.
    assert!(at[3] < Duration::from_millis(200), "{at:?}");
    assert!(at[4] >= Duration::from_millis(400), "{at:?}");
    assert!(at[8] >= Duration::from_millis(800), "{at:?}");
    assert!(
        at[8] < Duration::from_millis(1_200),
        "no slower than the limit: {at:?}"
    );
}
