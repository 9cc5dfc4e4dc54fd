//! Identifiers: newtypes over UUIDs, so a user id can never be passed where a goal id is expected.
//!
//! New records get UUID v7 ids (time-ordered, so SQLite indexes stay compact and exports sort by
//! creation). The randomness is passed in: this crate has no RNG of its own.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use rand_core::RngCore;
use uuid::Uuid;

/// Why a string is not a valid id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid {kind} id (expected a UUID)")]
pub struct InvalidId {
    /// What kind of id was expected.
    pub kind: &'static str,
    /// The text that was given.
    pub value: String,
}

/// A fresh UUID v7 for `now`, its random bits drawn from `rng`.
pub fn new_v7(now: Timestamp, rng: &mut impl RngCore) -> Uuid {
    let mut random = [0_u8; 10];
    rng.fill_bytes(&mut random);
    let millis = u64::try_from(now.as_millisecond()).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
}

/// Namespace of the name-based (v5) ids this project derives, such as one check-in per person per
/// day: the same inputs give the same id on every device, so concurrent creations become one record.
const NAMESPACE: Uuid = Uuid::from_u128(0x6b1d_5a4e_2f0c_4c8e_9a57_3e0d_b7c1_42a9);

/// A name-based id, identical on every device for the same `parts`.
pub fn derived(parts: &[&str]) -> Uuid {
    Uuid::new_v5(&NAMESPACE, parts.join("\u{1f}").as_bytes())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered id (UUID v7).
            pub fn generate(now: Timestamp, rng: &mut impl RngCore) -> Self {
                Self(new_v7(now, rng))
            }

            /// Wraps an existing UUID.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The underlying UUID.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim()).map(Self).map_err(|_| InvalidId {
                    kind: $kind,
                    value: s.to_owned(),
                })
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

id_type!(
    /// A person.
    UserId,
    "user"
);
id_type!(
    /// A couple's relationship, and so their shared documents.
    RelationshipId,
    "relationship"
);
id_type!(
    /// Any record inside a document: a check-in, an activity, a goal, a date, a log entry...
    RecordId,
    "record"
);

#[cfg(test)]
mod tests {
    use super::*;

    struct Counting(u8);
    impl RngCore for Counting {
        fn next_u32(&mut self) -> u32 {
            u32::from(self.next_u64() as u8)
        }
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(1);
            u64::from(self.0)
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            for byte in dest {
                self.0 = self.0.wrapping_add(1);
                *byte = self.0;
            }
        }
    }

    #[test]
    fn v7_ids_are_time_ordered_and_version_7() {
        let mut rng = Counting(0);
        let earlier = RecordId::generate(Timestamp::from_second(1_700_000_000).unwrap(), &mut rng);
        let later = RecordId::generate(Timestamp::from_second(1_700_000_001).unwrap(), &mut rng);
        assert!(earlier < later);
        assert_eq!(earlier.as_uuid().get_version_num(), 7);
    }

    #[test]
    fn ids_round_trip_through_text_and_refuse_garbage() {
        let id = UserId::generate(Timestamp::UNIX_EPOCH, &mut Counting(9));
        assert_eq!(id.to_string().parse::<UserId>().unwrap(), id);
        let error = "not-a-uuid".parse::<UserId>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "\"not-a-uuid\" is not a valid user id (expected a UUID)"
        );
    }

    #[test]
    fn derived_ids_depend_only_on_their_parts() {
        assert_eq!(derived(&["a", "b"]), derived(&["a", "b"]));
        assert_ne!(derived(&["a", "b"]), derived(&["ab"]));
    }
}
