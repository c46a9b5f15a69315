//! When a sign-in attempt may go ahead: back-off per account and client instead of a hard lock.
//!
//! A hard lock after five failures lets anyone lock any account (the admin's included) from
//! anywhere. Here a client that keeps failing on an account waits longer and longer (1 s, 2 s,
//! 4 s … up to the window) after a few free tries, a client that fails on many accounts is
//! stopped, and the right password from a client that has not failed keeps working — unless the
//! account is under a wide attack *and* that client has failed on it too.

/// How long failures count, in seconds.
pub const WINDOW_SECONDS: i64 = 15 * 60;
/// Failures of one client on one account before back-off starts.
pub const FREE_TRIES: i64 = 3;
/// Failures of one client (on any accounts) in the window that stop it.
pub const MAX_PER_CLIENT: i64 = 50;
/// Failures on one account (from any clients) in the window above which clients that have
/// failed on it are stopped.
pub const MAX_PER_ACCOUNT: i64 = 100;

/// The failures that count for one attempt (within the window, including attempts reserved but
/// not yet decided).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Failures {
    /// Of this client on this account.
    pub pair: i64,
    /// Seconds since this client's last failure on this account (if any).
    pub pair_last_ago: Option<i64>,
    /// Of this client on any account.
    pub client: i64,
    /// Of any client on this account.
    pub account: i64,
}

/// `None` when the attempt may go ahead, else the seconds to wait.
pub fn wait_before_attempt(f: Failures) -> Option<i64> {
    if f.client >= MAX_PER_CLIENT {
        return Some(WINDOW_SECONDS);
    }
    if f.account >= MAX_PER_ACCOUNT && f.pair > 0 {
        return Some(WINDOW_SECONDS);
    }
    if f.pair >= FREE_TRIES {
        let exp = (f.pair - FREE_TRIES).min(20) as u32;
        let backoff = 2i64.saturating_pow(exp).min(WINDOW_SECONDS);
        let ago = f.pair_last_ago.unwrap_or(0).max(0);
        if ago < backoff {
            return Some(backoff - ago);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(pair: i64, ago: i64, client: i64, account: i64) -> Failures {
        Failures {
            pair,
            pair_last_ago: Some(ago),
            client,
            account,
        }
    }

    #[test]
    fn a_few_free_tries_then_growing_waits() {
        assert_eq!(wait_before_attempt(Failures::default()), None);
        assert_eq!(wait_before_attempt(f(2, 0, 2, 2)), None);
        assert_eq!(wait_before_attempt(f(3, 0, 3, 3)), Some(1));
        assert_eq!(wait_before_attempt(f(3, 1, 3, 3)), None);
        assert_eq!(wait_before_attempt(f(6, 3, 6, 6)), Some(5));
        assert_eq!(wait_before_attempt(f(40, 0, 40, 40)), Some(WINDOW_SECONDS));
    }

    #[test]
    fn a_client_failing_everywhere_is_stopped() {
        assert_eq!(
            wait_before_attempt(f(0, 0, MAX_PER_CLIENT, 0)),
            Some(WINDOW_SECONDS)
        );
    }

    #[test]
    fn an_account_under_attack_stays_open_to_clean_clients() {
        let clean = Failures {
            account: MAX_PER_ACCOUNT + 10,
            ..Default::default()
        };
        assert_eq!(wait_before_attempt(clean), None);
        assert_eq!(
            wait_before_attempt(f(1, 100, 1, MAX_PER_ACCOUNT)),
            Some(WINDOW_SECONDS)
        );
    }
}
