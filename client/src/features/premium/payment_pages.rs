//! Which payment pages the app opens. The server answers a checkout or billing-portal request with
//! a URL the app opens in the system browser; a compromised or misconfigured server could send
//! any page (a lookalike asking for card details, a `file:` or `javascript:` URL). Only Stripe's
//! hosted pages are opened, plus origins the person (or a test with a local fake Stripe) named at
//! launch.

use url::Url;

/// Stripe's hosted pages: Checkout and the customer portal.
pub const STRIPE_PAGES: [&str; 2] = [
    "https://checkout.stripe.com/",
    "https://billing.stripe.com/",
];

/// Why a payment page was not opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefusedPage {
    /// Not a URL at all.
    #[error("the server sent a payment page that is not a web address; it was not opened")]
    NotAUrl,
    /// A page elsewhere than Stripe and the origins allowed at launch.
    #[error(
        "the server sent a payment page at an unexpected address ({0}); it was not opened. \
         Payments go through Stripe (checkout.stripe.com, billing.stripe.com)"
    )]
    Unexpected(String),
}

/// Why an origin given at launch is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an origin such as https://pay.example.com")]
pub struct BadOrigin(pub String);

/// The origin (`scheme://host[:port]`) of an `http`/`https` URL given at launch, normalised.
pub fn parse_origin(text: &str) -> Result<String, BadOrigin> {
    let bad = || BadOrigin(text.to_owned());
    let url = Url::parse(text.trim()).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(bad());
    }
    Ok(url.origin().ascii_serialization())
}

/// Checks a payment page before it is opened: a Stripe page, or a page on one of
/// `extra_origins` (normalised by [`parse_origin`]). Answers the URL to open.
pub fn check_payment_page(page: &str, extra_origins: &[String]) -> Result<String, RefusedPage> {
    let url = Url::parse(page.trim()).map_err(|_| RefusedPage::NotAUrl)?;
    // The normalised form (lower-case host, no default port) starts with the page's origin, or
    // with user info that a prefix check refuses.
    let text = url.as_str();
    let stripe = STRIPE_PAGES.iter().any(|prefix| text.starts_with(prefix));
    let origin = url.origin().ascii_serialization();
    let named = url.username().is_empty()
        && url.password().is_none()
        && matches!(url.scheme(), "http" | "https")
        && extra_origins.contains(&origin);
    if stripe || named {
        Ok(text.to_owned())
    } else {
        Err(RefusedPage::Unexpected(shown_origin(&url)))
    }
}

/// The origin as a person reads it in the refusal (`null` origins show their scheme).
fn shown_origin(url: &Url) -> String {
    match url.origin() {
        url::Origin::Tuple(..) => url.origin().ascii_serialization(),
        url::Origin::Opaque(_) => format!("a {}: address", url.scheme()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripe_pages_open_lookalikes_and_other_schemes_do_not() {
        for ok in [
            "https://checkout.stripe.com/c/pay/cs_test_a1#fid",
            "https://billing.stripe.com/p/session/test_123",
            "HTTPS://CHECKOUT.STRIPE.COM/c/pay/x",
            "https://checkout.stripe.com:443/c/pay/x",
        ] {
            assert!(check_payment_page(ok, &[]).is_ok(), "{ok}");
        }
        for bad in [
            "https://checkout.stripe.com.evil.example/c/pay",
            "https://evil.example/https://checkout.stripe.com/",
            "https://checkout.stripe.com@evil.example/",
            "https://user@checkout.stripe.com/c/pay",
            "http://checkout.stripe.com/c/pay",
            "https://checkout.stripe.com:8443/c/pay",
            "https://stripe.com/",
            "https://dashboard.stripe.com/",
            "javascript:alert(1)",
            "file:///etc/passwd",
            "http://127.0.0.1:4242/pay",
        ] {
            assert!(
                matches!(
                    check_payment_page(bad, &[]),
                    Err(RefusedPage::Unexpected(_))
                ),
                "{bad}"
            );
        }
        assert_eq!(
            check_payment_page("not a url", &[]),
            Err(RefusedPage::NotAUrl)
        );
    }

    #[test]
    fn origins_named_at_launch_open_too_and_only_them() {
        let extra = vec![parse_origin("http://127.0.0.1:4242/").unwrap()];
        assert_eq!(extra, ["http://127.0.0.1:4242"]);
        assert!(check_payment_page("http://127.0.0.1:4242/pay/cs_1", &extra).is_ok());
        assert!(check_payment_page("http://127.0.0.1:4243/pay/cs_1", &extra).is_err());
        assert!(check_payment_page("https://127.0.0.1:4242/pay/cs_1", &extra).is_err());
        assert!(check_payment_page("http://localhost:4242/pay/cs_1", &extra).is_err());
        assert!(check_payment_page("https://checkout.stripe.com/c/pay/x", &extra).is_ok());
        for bad in [
            "",
            "pay.example.com",
            "ftp://pay.example.com",
            "file:///tmp",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
    }
}
