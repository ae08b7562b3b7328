//! The one HTTP client every connector uses, and the one place that decides
//! what a failed request means:
//!
//! | class | when | what happens |
//! |---|---|---|
//! | auth | 401/403, or the vendor says the token is bad | no retry; the connection needs attention |
//! | rate-limited | 429, or the vendor's own throttle signal | wait `Retry-After` (or the vendor's hint), retry the same request |
//! | transient | 5xx, 408, timeouts, refused or reset connections | up to 3 retries, exponential backoff with jitter |
//! | fatal | any other 4xx | no retry; that stream fails |
//!
//! Error messages never carry a secret: URLs are redacted and known secret
//! values are blanked out of echoed bodies.

use crate::telemetry::{redact_url, redact_values};
use rand::Rng;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, Semaphore};

/// Timeouts, retry limits and pacing. The defaults are the product's.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Retries after a transient failure (so 1 + this many attempts).
    pub transient_retries: u32,
    /// Waits for a rate limit before giving up on a request.
    pub rate_limit_waits: u32,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// The longest single wait a rate limit may impose before we give up.
    pub max_wait: Duration,
    /// At most this many requests per second on this connection.
    pub requests_per_second: Option<f64>,
    /// At most this many requests in any window of this length (a vendor's
    /// rolling limit): the first ones go at once, the next when the oldest
    /// of the window leaves it.
    pub window: Option<RateWindow>,
    /// At most this many requests in flight on this connection.
    pub concurrency: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            transient_retries: 3,
            rate_limit_waits: 10,
            backoff_base: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(30),
            max_wait: Duration::from_secs(15 * 60),
            requests_per_second: None,
            window: None,
            concurrency: 4,
        }
    }
}

/// A rolling limit: at most `requests` sent in any `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateWindow {
    pub requests: usize,
    pub per: Duration,
}

/// What a failed reply means.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    Auth,
    RateLimited { retry_after: Option<Duration> },
    Transient,
    Fatal,
}

/// A vendor's reading of a reply, for what the status code does not say
/// (Shopify's THROTTLED in a 200, Meta's throttle codes in a 400, …).
/// Return `None` to fall back to [`classify_status`].
pub trait Classify: Send + Sync {
    fn classify(&self, _status: StatusCode, _headers: &HeaderMap, _body: &[u8]) -> Option<Failure> {
        None
    }
}

/// Status codes and `Retry-After` only.
#[derive(Debug, Clone, Copy, Default)]
pub struct Standard;
impl Classify for Standard {}

/// The class of a reply by its status alone; `None` for success.
pub fn classify_status(status: StatusCode, headers: &HeaderMap) -> Option<Failure> {
    match status.as_u16() {
        200..=299 => None,
        401 | 403 => Some(Failure::Auth),
        429 => Some(Failure::RateLimited {
            retry_after: retry_after(headers),
        }),
        408 | 500..=599 => Some(Failure::Transient),
        _ => Some(Failure::Fatal),
    }
}

/// `Retry-After` as seconds (fractions allowed, e.g. `2.0`) or an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("the credentials were refused (HTTP {status}): {message}")]
    Auth { status: u16, message: String },
    #[error("{url}: still rate-limited after {waits} waits")]
    RateLimited { url: String, waits: u32 },
    #[error("{url}: the service asked us to wait {wait:?}, longer than the {max:?} we wait")]
    WaitTooLong {
        url: String,
        wait: Duration,
        max: Duration,
    },
    #[error("{url}: gave up after {attempts} attempts: {last}")]
    Transient {
        url: String,
        attempts: u32,
        last: String,
    },
    #[error("{url}: the service refused the request (HTTP {status}): {message}")]
    Fatal {
        url: String,
        status: u16,
        message: String,
    },
    #[error("cannot set up the HTTP client: {0}")]
    Setup(String),
    #[error("this connection has no account to test; it always works")]
    NothingToTest,
}

impl FetchError {
    /// Whether the connection's credentials need the person's attention.
    pub fn is_auth(&self) -> bool {
        matches!(self, Self::Auth { .. })
    }

    /// The kind of failure, in one word the UI can act on: `auth`,
    /// `rate_limited`, `network` (no answer, or the service kept failing),
    /// `not_found`, `refused`, `setup`, `not_testable`.
    pub fn cause(&self) -> &'static str {
        match self {
            Self::Auth { .. } => "auth",
            Self::RateLimited { .. } | Self::WaitTooLong { .. } => "rate_limited",
            Self::Transient { .. } => "network",
            Self::Fatal { status: 404, .. } => "not_found",
            Self::Fatal { .. } => "refused",
            Self::Setup(_) => "setup",
            Self::NothingToTest => "not_testable",
        }
    }
}

/// A successful reply, read to the end.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
}

impl Reply {
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
}

/// Requests made, for the run's record and for tests.
#[derive(Debug, Default)]
pub struct Counters {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    pub rate_limited: AtomicU64,
}

/// The per-connection HTTP client: timeouts, pacing, classification, retries.
pub struct HttpClient {
    client: reqwest::Client,
    config: HttpConfig,
    in_flight: Semaphore,
    next_slot: Mutex<Instant>,
    /// When each of the last `window.requests` requests goes out.
    sent: Mutex<std::collections::VecDeque<Instant>>,
    counters: Arc<Counters>,
    secrets: Vec<String>,
}

impl HttpClient {
    pub fn new(config: HttpConfig) -> Result<Self, FetchError> {
        let client = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(concat!("Pulseboard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| FetchError::Setup(e.to_string()))?;
        Ok(Self {
            client,
            in_flight: Semaphore::new(config.concurrency.max(1)),
            next_slot: Mutex::new(Instant::now()),
            sent: Mutex::default(),
            config,
            counters: Arc::default(),
            secrets: Vec::new(),
        })
    }

    /// A client of its own (connections, pacing) for another thread and its
    /// runtime, counting into the same counters and redacting the same values.
    pub fn sibling(&self) -> Result<Self, FetchError> {
        let mut other = Self::new(self.config.clone())?;
        other.counters = self.counters.clone();
        other.secrets = self.secrets.clone();
        Ok(other)
    }

    /// Values blanked out of every error message this client builds.
    pub fn redacting(mut self, secrets: impl IntoIterator<Item = String>) -> Self {
        self.secrets.extend(secrets);
        self
    }

    pub fn counters(&self) -> Arc<Counters> {
        self.counters.clone()
    }

    pub fn requests(&self) -> u64 {
        self.counters.requests.load(Ordering::Relaxed)
    }

    /// Wait for a free slot under the connection's concurrency and rate limits.
    async fn pace(&self) -> tokio::sync::SemaphorePermit<'_> {
        let permit = self
            .in_flight
            .acquire()
            .await
            .expect("the semaphore is never closed");
        if let Some(rps) = self.config.requests_per_second.filter(|r| *r > 0.0) {
            let gap = Duration::from_secs_f64(1.0 / rps);
            let wait_until = {
                let mut next = self.next_slot.lock().await;
                let at = (*next).max(Instant::now());
                *next = at + gap;
                at
            };
            tokio::time::sleep_until(wait_until.into()).await;
        }
        if let Some(w) = self.config.window.filter(|w| w.requests > 0) {
            // Each request takes the next slot: now, or when the request
            // `requests` before it leaves the window.
            let at = {
                let mut sent = self.sent.lock().await;
                let mut at = Instant::now();
                if sent.len() >= w.requests {
                    let oldest = sent.pop_front().expect("a full window");
                    at = at.max(oldest + w.per);
                }
                sent.push_back(at);
                at
            };
            tokio::time::sleep_until(at.into()).await;
        }
        permit
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .config
            .backoff_base
            .saturating_mul(1 << attempt.saturating_sub(1).min(16));
        let capped = exp.min(self.config.backoff_cap);
        // Full jitter between half and all of it, so clients do not retry in step.
        capped.mul_f64(rand::rng().random_range(0.5..=1.0))
    }

    fn clean(&self, text: &str) -> String {
        let cut: String = text.chars().take(300).collect();
        redact_values(&cut, self.secrets.iter().map(String::as_str))
    }

    /// Send the request `build` makes (again on each retry) and return its
    /// reply, or the classified failure once retrying is over.
    pub async fn send(
        &self,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
        vendor: &dyn Classify,
    ) -> Result<Reply, FetchError> {
        let mut transient = 0u32;
        let mut waits = 0u32;
        loop {
            let request = build(&self.client)
                .build()
                .map_err(|e| FetchError::Setup(self.clean(&e.to_string())))?;
            let url = redact_url(request.url().as_str());
            let permit = self.pace().await;
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
            let outcome = match self.client.execute(request).await {
                Ok(resp) => {
                    let status = resp.status();
                    let headers = resp.headers().clone();
                    match resp.bytes().await {
                        Ok(body) => {
                            let failure = vendor
                                .classify(status, &headers, &body)
                                .or_else(|| classify_status(status, &headers));
                            match failure {
                                None => {
                                    return Ok(Reply {
                                        status,
                                        headers,
                                        body,
                                    })
                                }
                                Some(f) => {
                                    (f, Some(status), self.clean(&String::from_utf8_lossy(&body)))
                                }
                            }
                        }
                        Err(e) => (
                            Failure::Transient,
                            Some(status),
                            format!("reading the reply failed: {e}"),
                        ),
                    }
                }
                Err(e) => {
                    let what = if e.is_timeout() {
                        "timed out".to_string()
                    } else if e.is_connect() {
                        "could not connect".to_string()
                    } else {
                        "the connection failed".to_string()
                    };
                    (Failure::Transient, None, what)
                }
            };
            drop(permit);
            let (failure, status, message) = outcome;
            let code = status.map(|s| s.as_u16()).unwrap_or(0);
            match failure {
                Failure::Auth => {
                    return Err(FetchError::Auth {
                        status: code,
                        message,
                    })
                }
                Failure::Fatal => {
                    return Err(FetchError::Fatal {
                        url,
                        status: code,
                        message,
                    })
                }
                Failure::RateLimited { retry_after } => {
                    waits += 1;
                    self.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
                    if waits > self.config.rate_limit_waits {
                        return Err(FetchError::RateLimited {
                            url,
                            waits: waits - 1,
                        });
                    }
                    let wait = retry_after.unwrap_or_else(|| self.backoff(waits));
                    if wait > self.config.max_wait {
                        return Err(FetchError::WaitTooLong {
                            url,
                            wait,
                            max: self.config.max_wait,
                        });
                    }
                    tracing::info!(%url, ?wait, "rate-limited; waiting before the same request");
                    tokio::time::sleep(wait).await;
                }
                Failure::Transient => {
                    transient += 1;
                    if transient > self.config.transient_retries {
                        return Err(FetchError::Transient {
                            url,
                            attempts: transient,
                            last: if code > 0 {
                                format!("HTTP {code}: {message}")
                            } else {
                                message
                            },
                        });
                    }
                    self.counters.retries.fetch_add(1, Ordering::Relaxed);
                    let wait = self.backoff(transient);
                    tracing::info!(%url, attempt = transient, ?wait, "transient failure; retrying");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}

impl HttpClient {
    /// GET `url` and hand back the response unread, for a body too large to
    /// hold (a bulk export). Transient failures before the body are retried.
    pub async fn open(&self, url: &str) -> Result<reqwest::Response, FetchError> {
        let shown = redact_url(url);
        let mut attempt = 0u32;
        loop {
            let permit = self.pace().await;
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
            let sent = self
                .client
                .get(url)
                .timeout(Duration::from_secs(60 * 60))
                .send()
                .await;
            drop(permit);
            let last = match sent {
                Ok(resp) => match classify_status(resp.status(), resp.headers()) {
                    None => return Ok(resp),
                    Some(Failure::Transient) => format!("HTTP {}", resp.status().as_u16()),
                    Some(_) => {
                        return Err(FetchError::Fatal {
                            url: shown,
                            status: resp.status().as_u16(),
                            message: "the download was refused".into(),
                        })
                    }
                },
                Err(e) => format!("the download failed: {e}"),
            };
            attempt += 1;
            if attempt > self.config.transient_retries {
                return Err(FetchError::Transient {
                    url: shown,
                    attempts: attempt,
                    last: self.clean(&last),
                });
            }
            tokio::time::sleep(self.backoff(attempt)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(retry: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(retry).unwrap());
        h
    }

    #[test]
    fn statuses_map_to_classes() {
        let none = HeaderMap::new();
        let class = |code: u16| classify_status(StatusCode::from_u16(code).unwrap(), &none);
        assert_eq!(class(200), None);
        assert_eq!(class(204), None);
        assert_eq!(class(401), Some(Failure::Auth));
        assert_eq!(class(403), Some(Failure::Auth));
        assert_eq!(class(429), Some(Failure::RateLimited { retry_after: None }));
        assert_eq!(class(500), Some(Failure::Transient));
        assert_eq!(class(503), Some(Failure::Transient));
        assert_eq!(class(408), Some(Failure::Transient));
        assert_eq!(class(404), Some(Failure::Fatal));
        assert_eq!(class(422), Some(Failure::Fatal));
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        assert_eq!(retry_after(&headers("2")), Some(Duration::from_secs(2)));
        assert_eq!(retry_after(&headers("2.0")), Some(Duration::from_secs(2)));
        assert_eq!(
            retry_after(&headers("0.5")),
            Some(Duration::from_millis(500))
        );
        assert_eq!(retry_after(&headers("-1")), None);
        assert_eq!(retry_after(&headers("soon")), None);
        let later = (chrono::Utc::now() + chrono::Duration::seconds(30)).to_rfc2822();
        let wait = retry_after(&headers(&later)).unwrap();
        assert!(
            wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        let past = (chrono::Utc::now() - chrono::Duration::seconds(30)).to_rfc2822();
        assert_eq!(retry_after(&headers(&past)), Some(Duration::ZERO));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let c = HttpClient::new(HttpConfig::default()).unwrap();
        for attempt in 1..=3 {
            let full = Duration::from_millis(500 * (1 << (attempt - 1)));
            let b = c.backoff(attempt);
            assert!(b >= full / 2 && b <= full, "attempt {attempt}: {b:?}");
        }
        assert!(c.backoff(30) <= Duration::from_secs(30));
    }
}
