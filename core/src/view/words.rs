//! Words a couple reads: counts said the way people say them ("1 credit", "3 credits"), never
//! "credit(s)". The one home of the rule, for the app, the CLI and the messages of the client.

/// `n` and the noun in the number it takes: `counted(1, "day", "days")` is "1 day".
pub fn counted<N>(n: N, one: &str, many: &str) -> String
where
    N: std::fmt::Display + PartialEq + From<u8>,
{
    let noun = if n == N::from(1) { one } else { many };
    format!("{n} {noun}")
}

#[cfg(test)]
mod tests {
    use super::counted;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(counted(1_i64, "credit", "credits"), "1 credit");
        assert_eq!(counted(0_i64, "credit", "credits"), "0 credits");
        assert_eq!(counted(3_u32, "day", "days"), "3 days");
        assert_eq!(counted(12_usize, "change", "changes"), "12 changes");
    }
}
