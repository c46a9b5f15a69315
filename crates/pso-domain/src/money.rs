//! Money: a decimal amount with its ISO 4217 currency. Never a float.
//!
//! Amounts are `rust_decimal::Decimal` (96-bit integer with a scale): exact for every sum a
//! project office makes. They cross the API as decimal strings (`"1234.50"`) with the currency
//! beside them, and are stored on both engines as a BIGINT of ten-thousandths
//! ([`Money::to_storage`]): SQLite has no decimal type and both engines sum integers exactly.
//! Arithmetic across currencies is refused; conversion is an explicit step with a dated rate.

use crate::error::ValueError;
use crate::values::CurrencyCode;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// Decimal places kept in storage (ten-thousandths: room for converted and prorated amounts).
pub const STORAGE_SCALE: u32 = 4;

/// An amount of one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    pub currency: CurrencyCode,
}

impl Money {
    pub fn new(amount: Decimal, currency: CurrencyCode) -> Self {
        Money { amount, currency }
    }

    /// Zero of a currency.
    pub fn zero(currency: CurrencyCode) -> Self {
        Money::new(Decimal::ZERO, currency)
    }

    /// Parses a decimal string (`"1234.5"`, `"-3"`) of a currency; refuses floats' exponents,
    /// thousands separators and more than four decimals.
    pub fn parse(amount: &str, currency: &str) -> Result<Self, ValueError> {
        let currency = CurrencyCode::parse(currency)?;
        let t = amount.trim();
        let ok = !t.is_empty()
            && t.chars()
                .enumerate()
                .all(|(i, c)| c.is_ascii_digit() || c == '.' || (i == 0 && c == '-'));
        let amount: Decimal = match (ok, t.parse::<Decimal>()) {
            (true, Ok(d)) => d,
            _ => {
                return Err(ValueError::new(
                    "invalid_amount",
                    format!("'{amount}' is not a decimal amount such as 1234.50"),
                ))
            }
        };
        if amount.scale() > STORAGE_SCALE {
            return Err(ValueError::new(
                "too_precise",
                format!("'{amount}' has more than {STORAGE_SCALE} decimals"),
            ));
        }
        Ok(Money { amount, currency })
    }

    /// The amount in ten-thousandths, for storage (refuses amounts beyond ±922 trillion).
    pub fn to_storage(&self) -> Result<i64, ValueError> {
        let scaled = self
            .amount
            .round_dp_with_strategy(STORAGE_SCALE, RoundingStrategy::MidpointAwayFromZero)
            * Decimal::from(10_000);
        scaled
            .to_i64()
            .ok_or_else(|| ValueError::new("out_of_range", "the amount is too large to store"))
    }

    /// The amount stored as ten-thousandths.
    pub fn from_storage(units: i64, currency: CurrencyCode) -> Self {
        Money::new(Decimal::new(units, STORAGE_SCALE), currency)
    }

    /// The sum, when both are of the same currency.
    pub fn checked_add(&self, other: &Money) -> Result<Money, ValueError> {
        self.same_currency(other)?;
        self.amount
            .checked_add(other.amount)
            .map(|a| Money::new(a, self.currency.clone()))
            .ok_or_else(|| ValueError::new("out_of_range", "the sum overflows"))
    }

    /// The difference, when both are of the same currency.
    pub fn checked_sub(&self, other: &Money) -> Result<Money, ValueError> {
        self.same_currency(other)?;
        self.amount
            .checked_sub(other.amount)
            .map(|a| Money::new(a, self.currency.clone()))
            .ok_or_else(|| ValueError::new("out_of_range", "the difference overflows"))
    }

    /// This amount converted with `rate` (units of `to` per unit of this currency).
    pub fn convert(&self, rate: Decimal, to: CurrencyCode) -> Result<Money, ValueError> {
        self.amount
            .checked_mul(rate)
            .map(|a| Money::new(a, to))
            .ok_or_else(|| ValueError::new("out_of_range", "the conversion overflows"))
    }

    /// Rounded to cents (half away from zero), as shown to people.
    pub fn round_cents(&self) -> Money {
        Money::new(
            self.amount
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero),
            self.currency.clone(),
        )
    }

    fn same_currency(&self, other: &Money) -> Result<(), ValueError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(ValueError::new(
                "currency_mismatch",
                format!(
                    "cannot combine {} with {} without a conversion",
                    self.currency, other.currency
                ),
            ))
        }
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn eur(s: &str) -> Money {
        Money::parse(s, "EUR").unwrap()
    }

    #[test]
    fn parses_decimal_strings_only() {
        assert_eq!(eur("1234.50").amount, Decimal::new(123450, 2));
        assert_eq!(eur("-3").amount, Decimal::from(-3));
        for bad in [
            "1e3", "1,000.00", "", "12.34567", "0x10", "1.2.3", "--1", "nan",
        ] {
            assert!(Money::parse(bad, "EUR").is_err(), "{bad}");
        }
        assert!(Money::parse("1", "XXX").is_err());
    }

    #[test]
    fn sums_are_exact_where_floats_are_not() {
        // 0.1 + 0.2 is 0.30000000000000004 in binary floating point.
        let s = eur("0.1").checked_add(&eur("0.2")).unwrap();
        assert_eq!(s, eur("0.3"));
        assert_eq!(s.to_storage().unwrap(), 3000);
    }

    #[test]
    fn currencies_do_not_mix() {
        let usd = Money::parse("1", "USD").unwrap();
        assert_eq!(
            eur("1").checked_add(&usd).unwrap_err().code,
            "currency_mismatch"
        );
        let conv = usd.convert(Decimal::new(92, 2), eur("0").currency).unwrap();
        assert_eq!(conv.round_cents(), eur("0.92"));
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(eur("2.345").round_cents(), eur("2.35"));
        assert_eq!(eur("-2.345").round_cents(), eur("-2.35"));
        assert_eq!(
            serde_json::to_value(eur("12.5")).unwrap(),
            serde_json::json!({"amount": "12.5", "currency": "EUR"})
        );
    }

    proptest! {
        /// Storage keeps every amount of at most four decimals exactly.
        #[test]
        fn storage_round_trips(units in -9_000_000_000_000_000i64..9_000_000_000_000_000i64) {
            let m = Money::from_storage(units, CurrencyCode::parse("INR").unwrap());
            prop_assert_eq!(m.to_storage().unwrap(), units);
            let text = m.amount.to_string();
            prop_assert_eq!(Money::parse(&text, "INR").unwrap(), m);
        }
    }
}
