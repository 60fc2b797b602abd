//! A topic's partitions, and the names to suggest when a topic is not there.

use super::error::KafkaError;
use super::session::Session;

/// How many near names an unknown-topic error lists.
const SIMILAR: usize = 5;

/// The partitions of `topic`; an unknown topic names the broker's closest topics.
pub(crate) async fn partitions(session: &Session, topic: &str) -> Result<Vec<i32>, KafkaError> {
    let topics = session.step(topic, session.client.list_topics()).await?;
    let names: Vec<String> = topics.iter().map(|t| t.name.clone()).collect();
    match topics.into_iter().find(|t| t.name == topic) {
        Some(t) => Ok(t.partitions.into_iter().collect()),
        None => Err(KafkaError::UnknownTopic {
            broker: session.bootstrap.to_string(),
            topic: topic.to_string(),
            similar: similar_topics(&names, topic),
        }),
    }
}

/// The names in `all` closest to `wanted`, best first: a topic ending in the same last
/// segment (the table, whatever the prefix), then by edit distance, case aside. Internal
/// topics (`__consumer_offsets`) only when they are very close.
pub fn similar_topics(all: &[String], wanted: &str) -> Vec<String> {
    let wanted_lower = wanted.to_ascii_lowercase();
    let last = |s: &str| s.rsplit('.').next().unwrap_or(s).to_string();
    let wanted_last = last(&wanted_lower);
    let mut scored: Vec<(usize, &String)> = all
        .iter()
        .filter_map(|name| {
            let lower = name.to_ascii_lowercase();
            let distance = edit_distance(&lower, &wanted_lower);
            let same_table = last(&lower) == wanted_last;
            let close = distance <= (wanted.len() / 3).max(2);
            if name.starts_with("__") && distance > 2 {
                return None;
            }
            let rank = if same_table {
                distance
            } else {
                1000 + distance
            };
            (same_table || close).then_some((rank, name))
        })
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(SIMILAR)
        .map(|(_, n)| n.clone())
        .collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(here + 1);
            prev = here;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_names_first_unrelated_ones_left_out() {
        let all: Vec<String> = [
            "dbserver1.retail_db.cdc_canary",
            "dbserver2.retail_db.orders",
            "retail_db.cdc_canary",
            "__consumer_offsets",
            "connect-offsets",
            "dbserver1.retail_db.cdc_canarx",
        ]
        .map(String::from)
        .to_vec();
        let got = similar_topics(&all, "dbserver.retail_db.cdc_canary");
        assert_eq!(
            got,
            [
                "dbserver1.retail_db.cdc_canary",
                "retail_db.cdc_canary",
                "dbserver1.retail_db.cdc_canarx"
            ]
        );
        assert!(similar_topics(&all, "nothing.like.it").is_empty());
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
