//! Rules over a project's network that need the whole graph.

use std::collections::{BTreeMap, BTreeSet};

/// If adding the edge `from -> to` to `edges` closes a cycle, returns the tasks of that cycle
/// in order, starting with `from` and ending with `to` (so `to -> ... -> from -> to`).
///
/// Edges are (predecessor, successor). Deterministic: neighbours are visited in id order.
pub fn cycle_with(edges: &[(String, String)], from: &str, to: &str) -> Option<Vec<String>> {
    if from == to {
        return Some(vec![from.to_string()]);
    }
    let mut adj: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (a, b) in edges {
        adj.entry(a.as_str()).or_default().insert(b.as_str());
    }
    // A path to -> ... -> from in the existing graph plus the new edge from -> to is a cycle.
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    let mut stack = vec![to];
    let mut seen: BTreeSet<&str> = BTreeSet::from([to]);
    while let Some(n) = stack.pop() {
        if n == from {
            let mut path = vec![from.to_string()];
            let mut cur = from;
            while cur != to {
                cur = parent[cur];
                path.push(cur.to_string());
            }
            path.reverse();
            // path is to .. from; present it as from -> to -> ... (the new edge first).
            let mut cycle = vec![from.to_string()];
            cycle.extend(path.into_iter().take_while(|x| x != from));
            return Some(cycle);
        }
        if let Some(next) = adj.get(n) {
            for m in next.iter().rev() {
                if seen.insert(m) {
                    parent.insert(m, n);
                    stack.push(m);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn finds_cycle_in_order() {
        let edges = e(&[("a", "b"), ("b", "c"), ("x", "y")]);
        assert_eq!(
            cycle_with(&edges, "c", "a"),
            Some(vec!["c".into(), "a".into(), "b".into()])
        );
        assert_eq!(cycle_with(&edges, "a", "c"), None);
        assert_eq!(
            cycle_with(&edges, "y", "x"),
            Some(vec!["y".into(), "x".into()])
        );
    }
}
