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

/// What the health score is made of and why a new couple's is low, in two plain sentences:
/// shown wherever the score is (History, `together stats`). Written from the formula's weights.
pub fn health_score_explained() -> String {
    use crate::rules::health_weights as w;
    format!(
        "Your health score (0–100) comes from the last 30 days: how connected ({}%) and satisfied \
         ({}%) you both feel in your check-ins, how many days you both checked in ({}%), and \
         activities done together this month ({}%, full at {}). New couples start low by design: \
         it grows as you both check in day after day and do things together.",
        w::CONNECTION,
        w::SATISFACTION,
        w::CONSISTENCY,
        w::ACTIVITIES,
        w::FULL_ACTIVITIES
    )
}

#[cfg(test)]
mod tests {
    use super::{counted, health_score_explained};

    #[test]
    fn the_health_score_explains_its_parts_and_that_it_grows() {
        let text = health_score_explained();
        for part in ["35%", "20%", "10%", "start low", "grows"] {
            assert!(text.contains(part), "{part} in {text}");
        }
        use crate::rules::health_weights as w;
        let parts = [
            w::CONNECTION,
            w::SATISFACTION,
            w::CONSISTENCY,
            w::ACTIVITIES,
        ];
        assert_eq!(parts.iter().map(|p| u32::from(*p)).sum::<u32>(), 100);
    }

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(counted(1_i64, "credit", "credits"), "1 credit");
        assert_eq!(counted(0_i64, "credit", "credits"), "0 credits");
        assert_eq!(counted(3_u32, "day", "days"), "3 days");
        assert_eq!(counted(12_usize, "change", "changes"), "12 changes");
    }
}
