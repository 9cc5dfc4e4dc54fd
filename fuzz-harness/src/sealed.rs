//! Sealed envelopes: every entry pulled from the server, snapshot, key bundle and wrapped
//! relationship key is opened with `together_client::crypto::open`.

use together_client::crypto;

/// The fixed key the target opens with (seeds are sealed under it).
pub const KEY: crypto::Key = [7; 32];

/// Splits the input into (context, label, sealed): two length bytes, then the texts, then the
/// sealed bytes. Arbitrary bytes always split.
pub fn split(data: &[u8]) -> (String, String, &[u8]) {
    let (lengths, rest) = data.split_at(data.len().min(2));
    let context_len = usize::from(lengths.first().copied().unwrap_or(0)).min(rest.len());
    let (context, rest) = rest.split_at(context_len);
    let label_len = usize::from(lengths.get(1).copied().unwrap_or(0)).min(rest.len());
    let (label, sealed) = rest.split_at(label_len);
    (
        String::from_utf8_lossy(context).into_owned(),
        String::from_utf8_lossy(label).into_owned(),
        sealed,
    )
}

/// The inverse of [`split`], for seeds.
pub fn join(context: &str, label: &str, sealed: &[u8]) -> Vec<u8> {
    let mut out = vec![
        u8::try_from(context.len()).unwrap_or(u8::MAX),
        u8::try_from(label.len()).unwrap_or(u8::MAX),
    ];
    out.extend_from_slice(context.as_bytes());
    out.extend_from_slice(label.as_bytes());
    out.extend_from_slice(sealed);
    out
}

/// Target `sealed_envelope`: opening arbitrary bytes under arbitrary labels fails cleanly; what
/// opens (only a real seed can) seals again and opens to the same plaintext.
pub fn sealed_envelope(data: &[u8]) {
    let (context, label, sealed) = split(data);
    if let Ok(plain) = crypto::open(&KEY, &context, &label, sealed) {
        let again = crypto::seal(&KEY, &context, &label, &plain);
        assert_eq!(
            crypto::open(&KEY, &context, &label, &again).ok(),
            Some(plain)
        );
    }
    let doc_key = crypto::document_key(&KEY, &context);
    let _ = crypto::open(&doc_key, &context, &label, sealed);
}
