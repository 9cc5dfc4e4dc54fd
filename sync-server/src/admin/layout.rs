//! The console's page shell (header, navigation, sign-out), the sign-in page, its stylesheet, and
//! the small pages every handler may answer with. Markup is written with `maud`, which escapes
//! every value it interpolates.

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use super::session::Operator;

/// The stylesheet, served at `/console.css` (nothing is fetched from elsewhere).
pub const STYLESHEET: &str = include_str!("console.css");

/// The pages of the navigation: path and title.
const PAGES: &[(&str, &str)] = &[
    ("/", "Overview"),
    ("/revenue", "Revenue"),
    ("/usage", "Feature usage"),
    ("/cohorts", "Cohorts"),
    ("/billing", "Billing health"),
    ("/accounts", "Accounts"),
];

/// `GET /console.css`.
pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        STYLESHEET,
    )
        .into_response()
}

fn head(title: &str) -> Markup {
    html! {
        (DOCTYPE)
        meta charset="utf-8";
        meta name="viewport" content="width=device-width, initial-scale=1";
        title { (title) " · together-server console" }
        link rel="stylesheet" href="/console.css";
    }
}

/// A page of the signed-in console: `path` marks the current page in the navigation.
pub fn page(operator: &Operator, path: &str, title: &str, body: Markup) -> Html<String> {
    Html(
        html! {
            html lang="en" {
                head { (head(title)) }
                body {
                    header {
                        span.brand { "together-server" }
                        nav {
                            @for (href, name) in PAGES {
                                a href=(href) class=[(*href == path).then_some("here")] { (name) }
                            }
                        }
                        form.inline method="post" action="/sign-out" {
                            input type="hidden" name="csrf" value=(operator.0.csrf_token);
                            button.quiet type="submit" title=(operator.0.email) { "Sign out" }
                        }
                    }
                    main {
                        h1 { (title) }
                        (body)
                    }
                }
            }
        }
        .into_string(),
    )
}

/// The sign-in page, with a message after a refused attempt.
pub fn sign_in(message: Option<&str>) -> Html<String> {
    Html(
        html! {
            html lang="en" {
                head { (head("Sign in")) }
                body {
                    main {
                        form.signin method="post" action="/sign-in" {
                            h1 { "Operator sign-in" }
                            @if let Some(message) = message {
                                p.notice role="alert" { (message) }
                            }
                            label for="email" { "Email" }
                            input #email type="email" name="email" required autocomplete="username";
                            label for="password" { "Password" }
                            input #password type="password" name="password" required autocomplete="current-password";
                            p { button #sign-in type="submit" { "Sign in" } }
                        }
                    }
                }
            }
        }
        .into_string(),
    )
}

/// A plain page for the answers that are not a console page.
fn plain(status: StatusCode, title: &str, text: &str) -> Response {
    let body = html! {
        html lang="en" {
            head { (head(title)) }
            body { main { h1 { (title) } p { (text) } p { a href="/" { "Back to the console" } } } }
        }
    };
    (status, Html(body.into_string())).into_response()
}

/// 500: the details are in the server's log, never on the page.
pub fn failure() -> Response {
    plain(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "The server could not do this; the details are in its log.",
    )
}

/// 403 for a form without this session's CSRF token.
pub fn csrf_refused() -> Response {
    plain(
        StatusCode::FORBIDDEN,
        "Refused",
        "This form is out of date or did not come from the console. Reload the page and try again.",
    )
}

/// 404 for something that is not there.
pub fn not_found(what: &str) -> Response {
    plain(StatusCode::NOT_FOUND, "Not found", what)
}

/// Cents as an amount with two decimals (the currency is the plans').
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}{}.{:02}", cents / 100, cents % 100)
}

/// Bytes in the largest binary unit that keeps a number of at least 1.
pub fn bytes(n: i64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n.max(0) as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_sizes_read_as_people_write_them() {
        assert_eq!(money(123_456), "1234.56");
        assert_eq!(money(-5), "-0.05");
        assert_eq!(money(i64::MIN), "-92233720368547758.08");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(-1), "-1 B");
    }
}
