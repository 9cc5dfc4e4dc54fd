//! Validated pieces of a person's profile.
//!
//! Every shell (CLI flag, Tauri command, sync payload) goes through these constructors, so a bad name
//! is refused with the same clear message everywhere and never reaches storage.

use std::fmt;

/// Why a profile value was refused. The `Display` text is written for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    /// The name was empty or only whitespace.
    #[error("a name cannot be empty")]
    EmptyName,
    /// The name is longer than [`DisplayName::MAX_CHARS`].
    #[error("a name can be at most {max} characters (this one has {actual})")]
    NameTooLong {
        /// The limit.
        max: usize,
        /// The length that was given.
        actual: usize,
    },
    /// The name contains a control character (a newline, a tab, an escape...).
    #[error("a name cannot contain control characters")]
    ControlCharacter,
}

/// A person's display name: trimmed, non-empty, at most [`DisplayName::MAX_CHARS`] characters and free
/// of control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DisplayName(String);

impl DisplayName {
    /// Longest accepted name, in Unicode scalar values: long enough for real names, short enough to fit
    /// a phone screen.
    pub const MAX_CHARS: usize = 80;

    /// Validates and normalises (trims) a display name.
    pub fn parse(raw: &str) -> Result<Self, ProfileError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(ProfileError::EmptyName);
        }
        if trimmed.chars().any(char::is_control) {
            return Err(ProfileError::ControlCharacter);
        }
        let actual = trimmed.chars().count();
        if actual > Self::MAX_CHARS {
            return Err(ProfileError::NameTooLong {
                max: Self::MAX_CHARS,
                actual,
            });
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The validated name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_keeps_unicode_names() {
        assert_eq!(DisplayName::parse("  Zoë  ").unwrap().as_str(), "Zoë");
    }

    #[test]
    fn refuses_empty_and_blank_names() {
        assert_eq!(DisplayName::parse(""), Err(ProfileError::EmptyName));
        assert_eq!(DisplayName::parse(" \t "), Err(ProfileError::EmptyName));
    }

    #[test]
    fn refuses_control_characters() {
        assert_eq!(
            DisplayName::parse("Al\nice"),
            Err(ProfileError::ControlCharacter)
        );
    }

    #[test]
    fn refuses_names_over_the_limit_counting_characters_not_bytes() {
        let at_limit = "é".repeat(DisplayName::MAX_CHARS);
        assert!(DisplayName::parse(&at_limit).is_ok());
        let over = "é".repeat(DisplayName::MAX_CHARS + 1);
        assert_eq!(
            DisplayName::parse(&over),
            Err(ProfileError::NameTooLong {
                max: DisplayName::MAX_CHARS,
                actual: DisplayName::MAX_CHARS + 1
            })
        );
    }
}
