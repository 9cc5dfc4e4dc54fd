//! AI ideas: date ideas or conversation starters from the sync server's AI, paid with credits
//! (packs bought through Stripe). What the person types is sent once and stored nowhere.

use jiff::Timestamp;
use together_core::ids::RecordId;
use together_core::view::IdeasView;
use together_core::wire::billing::{IdeaKind, MAX_IDEA_CONTEXT_CHARS, Suggestions};

use crate::error::FormError;
use crate::secret_store::SecretStore;
use crate::store::Store;
use crate::sync::{self, Session};

/// The add-on type of AI credit packs, among the add-ons a server sells.
const CREDIT_PACKS: &str = "ai_credits";

// Forms.

/// What the person asks for: a kind of idea and the context they choose to share (trimmed, up
/// to [`MAX_IDEA_CONTEXT_CHARS`] characters).
pub fn form(kind: &str, context: &str) -> Result<(IdeaKind, String), FormError> {
    let kind: IdeaKind = kind.parse().map_err(FormError::new)?;
    if context.chars().count() > MAX_IDEA_CONTEXT_CHARS {
        return Err(FormError::new(format!(
            "keep it under {MAX_IDEA_CONTEXT_CHARS} characters"
        )));
    }
    Ok((kind, context.trim().to_owned()))
}

// Screen operations.

/// The ideas card: the person's credits and the packs on sale, or a sentence saying what is
/// missing (an account, the server).
pub async fn view(store: &mut Store, secrets: &dyn SecretStore) -> sync::Result<IdeasView> {
    if !sync::has_session(secrets)? {
        return Ok(IdeasView {
            balance: None,
            packs: Vec::new(),
            signed_in: false,
            note: Some("AI ideas come through your sync server: create an account first.".into()),
        });
    }
    let session = Session::resume(store, secrets)?;
    let answer = async {
        let packs = session.api().addons().await?;
        let balance = session.api().credits().await?;
        Ok::<_, sync::SyncError>((packs, balance))
    }
    .await;
    Ok(match answer {
        Ok((packs, balance)) => IdeasView {
            balance: Some(balance),
            packs: packs
                .into_iter()
                .filter(|p| p.addon_type == CREDIT_PACKS)
                .collect(),
            signed_in: true,
            note: None,
        },
        Err(error) => IdeasView {
            balance: None,
            packs: Vec::new(),
            signed_in: true,
            note: Some(format!("AI ideas are unavailable right now: {error}")),
        },
    })
}

/// The ideas card's "Ask": the server's AI answers, spending credits once (the request carries a
/// fresh id, so a retried request is not charged twice).
pub async fn ask(
    store: &mut Store,
    secrets: &dyn SecretStore,
    kind: &str,
    context: &str,
) -> sync::Result<Suggestions> {
    let (kind, context) = form(kind, context)?;
    let request_id = RecordId::generate(Timestamp::now(), &mut rand::rng()).to_string();
    Session::resume(store, secrets)?
        .api()
        .suggest(kind, &context, &request_id)
        .await
}

/// The ideas card's "Buy": starts Stripe Checkout for a credit pack and answers the page to open.
pub async fn buy_credits(
    store: &mut Store,
    secrets: &dyn SecretStore,
    addon_id: &str,
) -> sync::Result<String> {
    let addon_id = addon_id.trim();
    if addon_id.is_empty() {
        return Err(FormError::new("choose a pack").into());
    }
    Ok(Session::resume(store, secrets)?
        .api()
        .buy_addon(addon_id)
        .await?
        .checkout_url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_kinds_and_short_contexts_are_asked() {
        let (kind, context) = form("date_ideas", "  rainy Sunday  ").unwrap();
        assert_eq!(
            (kind, context.as_str()),
            (IdeaKind::DateIdeas, "rainy Sunday")
        );
        assert!(
            form("horoscopes", "")
                .unwrap_err()
                .to_string()
                .contains("horoscopes")
        );
        let long = "é".repeat(MAX_IDEA_CONTEXT_CHARS + 1);
        assert!(form("conversation_starters", &long).is_err());
        assert!(form("conversation_starters", &"é".repeat(MAX_IDEA_CONTEXT_CHARS)).is_ok());
    }
}
