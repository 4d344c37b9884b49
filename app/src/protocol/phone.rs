//! Phone numbers in one form: E.164 digits without the `+`, so `+1 555…`,
//! `1-555-…` and `1555…` are the same contact on every path (sending,
//! registering, replies, routing).

/// Why a phone number was refused (the caller names the field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhoneRefused {
    #[error("must be a phone number in international form, e.g. +1 555 123 4567")]
    Shape,
}

/// The number's E.164 digits. Spaces, dashes, dots, parentheses and a
/// leading `+` or `00` are dropped; anything else, or fewer than 7 or more
/// than 15 digits, is refused.
pub fn normalize_phone(raw: &str) -> Result<String, PhoneRefused> {
    let trimmed = raw.trim();
    let rest = trimmed.strip_prefix('+').unwrap_or(trimmed);
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return Err(PhoneRefused::Shape),
        }
    }
    if !trimmed.starts_with('+') {
        if let Some(international) = digits.strip_prefix("00") {
            digits = international.to_owned();
        }
    }
    if (7..=15).contains(&digits.len()) && !digits.starts_with('0') {
        Ok(digits)
    } else {
        Err(PhoneRefused::Shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_contact_whatever_the_spelling() {
        for spelling in ["+1 555 123 4567", "15551234567", "1-555-123-4567", "+1 (555) 123.4567", "0015551234567"] {
            assert_eq!(normalize_phone(spelling).as_deref(), Ok("15551234567"), "{spelling}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_number() {
        for bad in ["", "+", "abc", "555-CALL-NOW", "123", "1234567890123456", "+0 555 123 4567", "1555;drop"] {
            assert!(normalize_phone(bad).is_err(), "{bad:?}");
        }
    }
}
