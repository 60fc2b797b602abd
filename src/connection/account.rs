//! `--account USER[@HOST]`: the account doctor judges when it connects as another (an admin
//! that may read its grants and apply the fixes).

use std::fmt;
use std::str::FromStr;

use super::sql::literal;

/// A MySQL/MariaDB account, shown as GRANT takes it: 'user'@'host'.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub(crate) user: String,
    pub(crate) host: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an account: give USER or USER@HOST (e.g. cdc_user@'10.%')")]
pub struct BadAccount(String);

impl FromStr for Account {
    type Err = BadAccount;

    fn from_str(s: &str) -> Result<Account, BadAccount> {
        let unquote = |p: &str| {
            let p = p.trim();
            ['\'', '"', '`']
                .iter()
                .find_map(|q| p.strip_prefix(*q).and_then(|r| r.strip_suffix(*q)))
                .unwrap_or(p)
                .to_string()
        };
        // The host part follows the last '@' (a user name may hold one when quoted).
        let (user, host) = match s.rsplit_once('@') {
            Some((u, h)) => (unquote(u), unquote(h)),
            None => (unquote(s), "%".to_string()),
        };
        if user.is_empty() || host.is_empty() {
            return Err(BadAccount(s.to_string()));
        }
        Ok(Account { user, host })
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", literal(&self.user), literal(&self.host))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_as_people_type_them() {
        let a: Account = "cdc_user".parse().unwrap();
        assert_eq!(a.to_string(), "'cdc_user'@'%'");
        let a: Account = "cdc_user@10.%".parse().unwrap();
        assert_eq!(a.to_string(), "'cdc_user'@'10.%'");
        let a: Account = "'cdc'@'db.internal'".parse().unwrap();
        assert_eq!((a.user.as_str(), a.host.as_str()), ("cdc", "db.internal"));
        let a: Account = "`o'k`@localhost".parse().unwrap();
        assert_eq!(a.to_string(), "'o''k'@'localhost'");
        assert!("".parse::<Account>().is_err());
        assert!("@host".parse::<Account>().is_err());
    }
}
