//! The load-time guard on a probe's SQL: doctor only reads, so a probe is one SELECT or SHOW
//! that cannot write, lock, wait, or run code the tool does not know.
//!
//! The statement is scanned with its comments and literals taken out, so `'INTO'` in a string
//! does not trip it and a comment cannot hide a write. Executable comments (`/*! ... */`,
//! `/*M! ... */`), whose text the server runs, are refused outright.
//!
//! Calls: only the built-in functions listed in [`FUNCTIONS`], all read-only, written as
//! `NAME(` with no space. Any other `name(` may be a stored function, which can write (and with
//! a space, the server may take even a built-in's name for one); `db.name(` always is one.
//! This is why an allow-list and not a deny-list: the names of stored functions are not ours
//! to know.
//!
//! Quoting is read the way every SQL mode agrees on: a backslash in a literal is refused (it
//! escapes the quote, except under NO_BACKSLASH_ESCAPES), and `"..."` counts as a name as
//! under ANSI_QUOTES, so `"f"(` is a call whichever way the server reads it.
//!
//! A guard against mistakes and careless files, not a sandbox: the session is the place for
//! READ ONLY and statement time limits.

/// SQL a check file may not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum NotReadOnly {
    /// The statement's first word, upper-cased.
    #[error("sql must be a SELECT or SHOW statement (doctor never writes), not {0}")]
    NotAQuery(String),
    #[error("sql must be a single statement")]
    SeveralStatements,
    #[error("executable comments (/*! ... */, /*M! ... */) are run by the server: not allowed in a probe")]
    ExecutableComment,
    #[error("unterminated {0}")]
    Unterminated(&'static str),
    #[error("a backslash in a string literal means different things under different SQL modes: write the literal without one")]
    Backslash,
    #[error("{word} {why}: a probe only reads")]
    Writes { word: String, why: &'static str },
    #[error("{0}() is not a built-in function doctor knows to be read-only (a stored function could write)")]
    UnknownFunction(String),
    #[error("{0}() calls a stored function, which could write")]
    StoredFunction(String),
    #[error("{name}() {why}")]
    Refused { name: String, why: &'static str },
    #[error(
        "write {0}( without a space: with one, the server may call a stored function of that name"
    )]
    SpaceBeforeParen(String),
    #[error(":= assigns a variable: a probe only reads")]
    Assignment,
}

/// Doctor never writes: a probe may only read.
pub(crate) fn check_read_only(sql: &str) -> Result<(), NotReadOnly> {
    let mut toks = tokens(sql)?;
    while toks.last().is_some_and(|t| t.token == Token::Punct(';')) {
        toks.pop();
    }
    if toks.iter().any(|t| t.token == Token::Punct(';')) {
        return Err(NotReadOnly::SeveralStatements);
    }
    let first = match toks.first().map(|t| &t.token) {
        Some(Token::Word(w)) => w.clone(),
        Some(Token::Punct(c)) => c.to_string(),
        Some(_) => "a quoted name or literal".to_string(),
        None => "nothing".to_string(),
    };
    if !matches!(first.as_str(), "SELECT" | "SHOW" | "WITH") {
        return Err(NotReadOnly::NotAQuery(first));
    }
    // SHOW cannot write (`SHOW CREATE TABLE` reads); its WHERE can still call functions.
    let show = first == "SHOW";
    for (i, t) in toks.iter().enumerate() {
        let next = toks.get(i + 1);
        let next_word = match next.map(|n| &n.token) {
            Some(Token::Word(w)) => w.as_str(),
            _ => "",
        };
        let called = next.is_some_and(|n| n.token == Token::Punct('('));
        match &t.token {
            Token::Word(w) => {
                if !show {
                    writes(w, next_word, called)?;
                }
                if called {
                    call(w, i > 0 && toks[i - 1].token == Token::Punct('.'), next)?;
                }
            }
            Token::Name(n) if called => return Err(NotReadOnly::StoredFunction(n.clone())),
            Token::Punct(':')
                if next.is_some_and(|n| n.token == Token::Punct('=') && !n.spaced) =>
            {
                return Err(NotReadOnly::Assignment)
            }
            _ => {}
        }
    }
    Ok(())
}

/// A word that writes or locks, given the word after it and whether `(` follows.
fn writes(word: &str, next: &str, called: bool) -> Result<(), NotReadOnly> {
    let (shown, why) = match (word, next) {
        ("FOR", "UPDATE" | "SHARE") => (format!("FOR {next}"), "takes row locks"),
        ("LOCK", "IN") => ("LOCK IN SHARE MODE".to_string(), "takes row locks"),
        ("NEXT", "VALUE") => ("NEXT VALUE FOR".to_string(), "advances a sequence, a write"),
        ("INTO", _) => (word.to_string(), "writes a file or sets variables"),
        ("INSERT" | "UPDATE" | "DELETE" | "MERGE" | "UPSERT" | "LOAD", _) => {
            (word.to_string(), "changes data")
        }
        // REPLACE( is the string function; REPLACE without it is the statement.
        ("REPLACE", _) if !called => (word.to_string(), "changes data"),
        ("CREATE" | "DROP" | "ALTER" | "TRUNCATE" | "RENAME", _) => {
            (word.to_string(), "changes the schema")
        }
        ("GRANT" | "REVOKE", _) => (word.to_string(), "changes privileges"),
        ("CALL" | "DO" | "HANDLER" | "EXECUTE" | "PREPARE", _) => {
            (word.to_string(), "runs other statements")
        }
        _ => return Ok(()),
    };
    Err(NotReadOnly::Writes { word: shown, why })
}

/// `word(`: syntax, an allowed built-in, or refused.
fn call(word: &str, qualified: bool, paren: Option<&Tok>) -> Result<(), NotReadOnly> {
    if qualified {
        return Err(NotReadOnly::StoredFunction(format!("….{word}")));
    }
    if SYNTAX.contains(&word) {
        return Ok(());
    }
    let why = match word {
        "NEXTVAL" | "SETVAL" => Some("advances a sequence, a write"),
        "GET_LOCK" | "RELEASE_LOCK" | "RELEASE_ALL_LOCKS" => Some("takes or releases a named lock"),
        "SLEEP" | "BENCHMARK" => Some("ties up a server thread"),
        "MASTER_POS_WAIT"
        | "SOURCE_POS_WAIT"
        | "MASTER_GTID_WAIT"
        | "WAIT_FOR_EXECUTED_GTID_SET" => Some("waits on replication"),
        "LOAD_FILE" => Some("reads files on the server host"),
        _ => None,
    };
    if let Some(why) = why {
        return Err(NotReadOnly::Refused {
            name: word.to_string(),
            why,
        });
    }
    if !FUNCTIONS.contains(&word) {
        return Err(NotReadOnly::UnknownFunction(word.to_string()));
    }
    if paren.is_some_and(|p| p.spaced) {
        return Err(NotReadOnly::SpaceBeforeParen(word.to_string()));
    }
    Ok(())
}

/// Words that may stand before `(` without being a call: keywords and type names.
const SYNTAX: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "XOR",
    "IN",
    "EXISTS",
    "AS",
    "ON",
    "USING",
    "JOIN",
    "BY",
    "HAVING",
    "UNION",
    "EXCEPT",
    "INTERSECT",
    "ALL",
    "ANY",
    "SOME",
    "DISTINCT",
    "LIKE",
    "REGEXP",
    "RLIKE",
    "IS",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "BETWEEN",
    "OVER",
    "PARTITION",
    "WINDOW",
    "INDEX",
    "KEY",
    "ROW",
    "LATERAL",
    "INTERVAL",
    "DECIMAL",
    "NCHAR",
    "FLOAT",
    "DOUBLE",
    "DATETIME",
    "SIGNED",
    "UNSIGNED",
    "$CAPTURED",
];

/// Built-in functions that only compute or read: the calls a probe may make.
const FUNCTIONS: &[&str] = &[
    // aggregates and windows
    "COUNT",
    "SUM",
    "MIN",
    "MAX",
    "AVG",
    "GROUP_CONCAT",
    "BIT_AND",
    "BIT_OR",
    "BIT_XOR",
    "STD",
    "STDDEV",
    "STDDEV_POP",
    "STDDEV_SAMP",
    "VAR_POP",
    "VAR_SAMP",
    "VARIANCE",
    "JSON_ARRAYAGG",
    "JSON_OBJECTAGG",
    "ANY_VALUE",
    "ROW_NUMBER",
    "RANK",
    "DENSE_RANK",
    "NTILE",
    "LAG",
    "LEAD",
    "FIRST_VALUE",
    "LAST_VALUE",
    // control flow
    "IF",
    "IFNULL",
    "NULLIF",
    "COALESCE",
    "GREATEST",
    "LEAST",
    "ISNULL",
    // strings
    "ASCII",
    "BIN",
    "BIT_LENGTH",
    "CHAR",
    "CHAR_LENGTH",
    "CHARACTER_LENGTH",
    "CONCAT",
    "CONCAT_WS",
    "ELT",
    "FIELD",
    "FIND_IN_SET",
    "FORMAT",
    "HEX",
    "INSTR",
    "LCASE",
    "LEFT",
    "LENGTH",
    "LOCATE",
    "LOWER",
    "LPAD",
    "LTRIM",
    "MID",
    "OCT",
    "OCTET_LENGTH",
    "ORD",
    "POSITION",
    "QUOTE",
    "REPEAT",
    "REPLACE",
    "REVERSE",
    "RIGHT",
    "RPAD",
    "RTRIM",
    "SPACE",
    "STRCMP",
    "SUBSTR",
    "SUBSTRING",
    "SUBSTRING_INDEX",
    "TRIM",
    "UCASE",
    "UNHEX",
    "UPPER",
    "REGEXP_LIKE",
    "REGEXP_REPLACE",
    "REGEXP_SUBSTR",
    "REGEXP_INSTR",
    "TO_BASE64",
    "FROM_BASE64",
    "MD5",
    "SHA",
    "SHA1",
    "SHA2",
    "CRC32",
    // numbers
    "ABS",
    "CEIL",
    "CEILING",
    "CONV",
    "FLOOR",
    "LN",
    "LOG",
    "LOG10",
    "LOG2",
    "MOD",
    "POW",
    "POWER",
    "ROUND",
    "SIGN",
    "SQRT",
    "EXP",
    // dates and times
    "ADDDATE",
    "ADDTIME",
    "CONVERT_TZ",
    "CURDATE",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "CURTIME",
    "DATE",
    "DATE_ADD",
    "DATE_FORMAT",
    "DATE_SUB",
    "DATEDIFF",
    "DAY",
    "DAYNAME",
    "DAYOFMONTH",
    "DAYOFWEEK",
    "DAYOFYEAR",
    "EXTRACT",
    "FROM_DAYS",
    "FROM_UNIXTIME",
    "HOUR",
    "LAST_DAY",
    "MAKEDATE",
    "MICROSECOND",
    "MINUTE",
    "MONTH",
    "MONTHNAME",
    "NOW",
    "QUARTER",
    "SEC_TO_TIME",
    "SECOND",
    "STR_TO_DATE",
    "SUBDATE",
    "SUBTIME",
    "TIME",
    "TIME_FORMAT",
    "TIME_TO_SEC",
    "TIMEDIFF",
    "TIMESTAMP",
    "TIMESTAMPADD",
    "TIMESTAMPDIFF",
    "TO_DAYS",
    "TO_SECONDS",
    "UNIX_TIMESTAMP",
    "UTC_DATE",
    "UTC_TIME",
    "UTC_TIMESTAMP",
    "WEEK",
    "WEEKDAY",
    "YEAR",
    "YEARWEEK",
    // the session and server
    "CONNECTION_ID",
    "CURRENT_ROLE",
    "CURRENT_USER",
    "DATABASE",
    "SCHEMA",
    "SESSION_USER",
    "SYSTEM_USER",
    "USER",
    "VERSION",
    "CHARSET",
    "COLLATION",
    "LASTVAL",
    // casts, JSON, GTID sets, addresses
    "CAST",
    "CONVERT",
    "BINARY",
    "JSON_EXTRACT",
    "JSON_UNQUOTE",
    "JSON_LENGTH",
    "JSON_CONTAINS",
    "JSON_CONTAINS_PATH",
    "JSON_KEYS",
    "JSON_TYPE",
    "JSON_VALID",
    "JSON_VALUE",
    "JSON_QUOTE",
    "JSON_OBJECT",
    "JSON_ARRAY",
    "JSON_DEPTH",
    "GTID_SUBSET",
    "GTID_SUBTRACT",
    "INET_ATON",
    "INET_NTOA",
    "INET6_ATON",
    "INET6_NTOA",
    "IS_IPV4",
    "IS_IPV6",
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A keyword, name, number or variable, upper-cased.
    Word(String),
    /// A `quoted` or "quoted" name.
    Name(String),
    /// A '...' literal, contents dropped.
    Literal,
    Punct(char),
}

#[derive(Debug)]
struct Tok {
    token: Token,
    /// Whitespace or a comment came before it.
    spaced: bool,
}

/// The statement's tokens, comments dropped.
fn tokens(sql: &str) -> Result<Vec<Tok>, NotReadOnly> {
    let chars: Vec<char> = sql.chars().collect();
    let at = |i: usize| chars.get(i).copied();
    let mut out = Vec::new();
    let mut spaced = false;
    let mut i = 0;
    while let Some(c) = at(i) {
        if c.is_whitespace() {
            spaced = true;
            i += 1;
            continue;
        }
        // `--` starts a comment only before whitespace (else `1--1` is arithmetic), as in MySQL.
        let dashes =
            c == '-' && at(i + 1) == Some('-') && at(i + 2).is_none_or(char::is_whitespace);
        if c == '#' || dashes {
            while at(i).is_some_and(|c| c != '\n') {
                i += 1;
            }
            spaced = true;
            continue;
        }
        if c == '/' && at(i + 1) == Some('*') {
            let body = i + 2;
            if at(body) == Some('!') || (at(body) == Some('M') && at(body + 1) == Some('!')) {
                return Err(NotReadOnly::ExecutableComment);
            }
            let end = (body..chars.len().saturating_sub(1))
                .find(|&j| chars[j] == '*' && chars[j + 1] == '/')
                .ok_or(NotReadOnly::Unterminated("comment"))?;
            i = end + 2;
            spaced = true;
            continue;
        }
        let token = if matches!(c, '\'' | '"' | '`') {
            let mut j = i + 1;
            let mut text = String::new();
            loop {
                match at(j) {
                    None => {
                        return Err(NotReadOnly::Unterminated(if c == '\'' {
                            "string literal"
                        } else {
                            "quoted name"
                        }))
                    }
                    // A doubled quote is the quote itself.
                    Some(q) if q == c && at(j + 1) == Some(c) => {
                        text.push(q);
                        j += 2;
                    }
                    Some(q) if q == c => break,
                    Some('\\') if c != '`' => return Err(NotReadOnly::Backslash),
                    Some(other) => {
                        text.push(other);
                        j += 1;
                    }
                }
            }
            i = j + 1;
            if c == '\'' {
                Token::Literal
            } else {
                Token::Name(format!("{c}{text}{c}"))
            }
        } else if is_word_char(c) {
            let start = i;
            while at(i).is_some_and(is_word_char) {
                i += 1;
            }
            Token::Word(chars[start..i].iter().collect::<String>().to_uppercase())
        } else {
            i += 1;
            Token::Punct(c)
        };
        out.push(Tok { token, spaced });
        spaced = false;
    }
    Ok(out)
}

/// Names, numbers, `@var`, `@@var` and `$CAPTURED`.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '$' | '@')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(sql: &str) -> String {
        match check_read_only(sql) {
            Ok(()) => panic!("{sql:?} was let through"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn plain_reads_pass() {
        for sql in [
            "SELECT 1",
            "  show master status",
            "SHOW CREATE TABLE t",
            "SHOW GLOBAL STATUS LIKE 'Aborted_c%';",
            "WITH x AS (SELECT 1) SELECT * FROM x",
            "SELECT IF(@@global.time_zone = 'SYSTEM', @@global.system_time_zone, @@global.time_zone)",
            "SELECT COUNT(*) FROM information_schema.tables t WHERE t.table_type IN ('BASE TABLE') AND $CAPTURED(t.table_schema, t.table_name)",
            "SELECT TIME_TO_SEC(TIMEDIFF(NOW(), UTC_TIMESTAMP()))",
            "SELECT 1--1",
            "SELECT LASTVAL(s), REPLACE(a, 'x', 'y'), CAST(a AS CHAR(10)) FROM t",
            "SELECT update_time, `delete` FROM t -- INSERT in a comment\n",
            "SELECT 1 /* DELETE FROM t; */ # UPDATE t\n",
        ] {
            assert_eq!(check_read_only(sql), Ok(()), "{sql}");
        }
    }

    #[test]
    fn literals_do_not_trip_it() {
        assert_eq!(
            check_read_only("SELECT 'INTO OUTFILE', 'a;b', 'it''s' FROM t"),
            Ok(())
        );
        assert_eq!(check_read_only("SELECT \"x; DROP\" FROM t"), Ok(()));
    }

    #[test]
    fn only_select_show_with_and_one_statement() {
        assert_eq!(
            check_read_only("SET GLOBAL x=1"),
            Err(NotReadOnly::NotAQuery("SET".into()))
        );
        assert_eq!(
            refused("SELECT 1; DROP TABLE t"),
            "sql must be a single statement"
        );
        assert_eq!(
            check_read_only("(SELECT 1)"),
            Err(NotReadOnly::NotAQuery("(".into()))
        );
        assert_eq!(
            refused("DELETE FROM t"),
            "sql must be a SELECT or SHOW statement (doctor never writes), not DELETE"
        );
    }

    #[test]
    fn select_into_writes() {
        for sql in [
            "SELECT * FROM t INTO OUTFILE '/tmp/x'",
            "SELECT * INTO DUMPFILE '/tmp/x' FROM t",
            "SELECT 1 INTO @x",
        ] {
            assert_eq!(
                refused(sql),
                "INTO writes a file or sets variables: a probe only reads"
            );
        }
    }

    #[test]
    fn sequences_write() {
        assert!(refused("SELECT NEXTVAL(s)").contains("advances a sequence"));
        assert!(refused("SELECT SETVAL(s, 10)").contains("advances a sequence"));
        assert!(refused("SELECT NEXT VALUE FOR s").contains("NEXT VALUE"));
        assert_eq!(check_read_only("SELECT PREVIOUS VALUE FOR s"), Ok(()));
    }

    #[test]
    fn stored_functions_are_refused() {
        assert_eq!(
            refused("SELECT shop.audit(1)"),
            "….AUDIT() calls a stored function, which could write"
        );
        assert!(refused("SELECT `shop`.`audit`(1)").contains("stored function"));
        assert!(refused("SELECT \"audit\"(1)").contains("stored function"));
        assert_eq!(
            refused("SELECT audit(1)"),
            "AUDIT() is not a built-in function doctor knows to be read-only (a stored function could write)"
        );
        assert!(refused("SELECT db.count(*) FROM t").contains("stored function"));
        assert!(refused("SELECT COUNT (*) FROM t").contains("without a space"));
    }

    #[test]
    fn ctes_that_write_are_refused() {
        for (sql, word) in [
            ("WITH x AS (SELECT 1) DELETE FROM t", "DELETE"),
            ("WITH x AS (SELECT 1) UPDATE t SET a = 1", "UPDATE"),
            (
                "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x",
                "INSERT",
            ),
        ] {
            assert!(
                refused(sql).starts_with(&format!("{word} changes data")),
                "{sql}"
            );
        }
    }

    #[test]
    fn locks_waits_and_assignments_are_refused() {
        assert_eq!(
            refused("SELECT * FROM t FOR UPDATE"),
            "FOR UPDATE takes row locks: a probe only reads"
        );
        assert!(refused("SELECT * FROM t FOR SHARE").contains("row locks"));
        assert!(refused("SELECT * FROM t LOCK IN SHARE MODE")
            .contains("LOCK IN SHARE MODE takes row locks"));
        assert!(refused("SELECT GET_LOCK('x', 10)").contains("named lock"));
        assert!(refused("SELECT SLEEP(100)").contains("ties up"));
        assert!(refused("SELECT BENCHMARK(1000000, MD5('x'))").contains("ties up"));
        assert!(refused("SELECT LOAD_FILE('/etc/passwd')").contains("files"));
        assert_eq!(
            refused("SELECT @x := 1"),
            ":= assigns a variable: a probe only reads"
        );
    }

    #[test]
    fn comments_cannot_hide_anything() {
        for sql in [
            "SELECT 1 /*! INTO OUTFILE '/tmp/x' */",
            "SELECT 1 /*!50000 , SLEEP(10) */",
            "SELECT 1 /*M!100000 INTO @x */",
        ] {
            assert_eq!(
                check_read_only(sql),
                Err(NotReadOnly::ExecutableComment),
                "{sql}"
            );
        }
        assert_eq!(
            check_read_only("SELECT 1 /* open"),
            Err(NotReadOnly::Unterminated("comment"))
        );
        assert_eq!(
            check_read_only("SELECT 'open"),
            Err(NotReadOnly::Unterminated("string literal"))
        );
        // With backslash escapes the server would end the literal later than without them.
        assert_eq!(
            check_read_only("SELECT 'a\\' , SLEEP(1) -- '"),
            Err(NotReadOnly::Backslash)
        );
    }
}
