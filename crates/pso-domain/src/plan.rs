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

/// A cycle in a whole network of (predecessor, successor) edges, if there is one: its tasks in
/// order. Linear (Kahn's algorithm, then a walk inside what is left). Deterministic.
pub fn find_cycle(edges: &[(String, String)]) -> Option<Vec<String>> {
    let mut indeg: BTreeMap<&str, usize> = BTreeMap::new();
    let mut adj: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in edges {
        indeg.entry(a).or_insert(0);
        *indeg.entry(b).or_insert(0) += 1;
        adj.entry(a).or_default().push(b);
    }
    let mut queue: Vec<&str> = indeg
        .iter()
        .filter(|(_, d)| **d == 0)
        .map(|(n, _)| *n)
        .collect();
    while let Some(n) = queue.pop() {
        if let Some(next) = adj.get(n) {
            for m in next {
                if let Some(d) = indeg.get_mut(m) {
                    *d -= 1;
                    if *d == 0 {
                        queue.push(m);
                    }
                }
            }
        }
    }
    // Every node left has an incoming edge from another node left: walking predecessors-
    // first from any of them must revisit a node, and that loop is a cycle.
    let left: BTreeSet<&str> = indeg
        .iter()
        .filter(|(_, d)| **d > 0)
        .map(|(n, _)| *n)
        .collect();
    let start = *left.iter().next()?;
    let mut order = vec![start];
    let mut seen: BTreeMap<&str, usize> = BTreeMap::from([(start, 0)]);
    let mut cur = start;
    loop {
        let next = adj
            .get(cur)
            .and_then(|v| v.iter().find(|m| left.contains(**m)))
            .copied()?;
        if let Some(&i) = seen.get(next) {
            return Some(order[i..].iter().map(|s| s.to_string()).collect());
        }
        seen.insert(next, order.len());
        order.push(next);
        cur = next;
    }
}

/// A change of a task's place in the WBS.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum WbsMove {
    /// Under `parent_id` (none: the top level) at `index` among its siblings (past the end:
    /// last).
    To {
        #[serde(default)]
        #[schemars(schema_with = "crate::schema::optional_reference")]
        parent_id: Option<String>,
        #[serde(deserialize_with = "crate::schema::integer")]
        #[schemars(schema_with = "crate::schema::index")]
        index: usize,
    },
    /// Become the last subtask of the previous sibling.
    Indent,
    /// Become the next sibling of the parent.
    Outdent,
    /// Swap with the previous sibling.
    Up,
    /// Swap with the next sibling.
    Down,
}

/// Where a task is: its parent and its position among siblings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WbsSlot {
    pub id: String,
    pub parent_id: Option<String>,
    pub position: i64,
}

/// The tasks whose place changes when `task` moves by `mv`: each with its new parent and
/// position. Siblings are numbered 0, 1, 2, … in their new order (old siblings close the
/// gap), and only tasks whose parent or position differ are returned. Refuses a move to a
/// missing parent, under the task itself or one of its subtasks, or past the edge of its
/// level, naming the rule.
pub fn apply_move(
    tasks: &[WbsSlot],
    task: &str,
    mv: &WbsMove,
) -> Result<Vec<WbsSlot>, crate::ValidationErrors> {
    use crate::ValidationErrors;
    let err = |field: &str, code: &str, msg: &str| Err(ValidationErrors::single(field, code, msg));
    let Some(me) = tasks.iter().find(|t| t.id == task) else {
        return err("id", "unknown_reference", "the task is not in this project");
    };
    let siblings_of = |parent: Option<&str>| -> Vec<&WbsSlot> {
        let mut v: Vec<&WbsSlot> = tasks
            .iter()
            .filter(|t| t.parent_id.as_deref() == parent)
            .collect();
        v.sort_by(|a, b| a.position.cmp(&b.position).then(a.id.cmp(&b.id)));
        v
    };
    let old = siblings_of(me.parent_id.as_deref());
    let at = old.iter().position(|t| t.id == task).unwrap_or(0);
    let (parent, index): (Option<String>, usize) = match mv {
        WbsMove::To { parent_id, index } => (parent_id.clone(), *index),
        WbsMove::Indent => match at.checked_sub(1).and_then(|i| old.get(i)) {
            Some(prev) => (Some(prev.id.clone()), usize::MAX),
            None => {
                return err(
                    "parent_id",
                    "no_previous_sibling",
                    "the first task of a level cannot be indented",
                )
            }
        },
        WbsMove::Outdent => {
            let Some(p) = &me.parent_id else {
                return err(
                    "parent_id",
                    "top_level",
                    "the task is already at the top level",
                );
            };
            let Some(parent) = tasks.iter().find(|t| &t.id == p) else {
                return err(
                    "parent_id",
                    "unknown_reference",
                    "the parent task is missing",
                );
            };
            let level = siblings_of(parent.parent_id.as_deref());
            let i = level.iter().position(|t| t.id == parent.id).unwrap_or(0);
            (parent.parent_id.clone(), i + 1)
        }
        WbsMove::Up => match at.checked_sub(1) {
            Some(i) => (me.parent_id.clone(), i),
            None => {
                return err(
                    "position",
                    "at_the_edge",
                    "the task is already the first of its level",
                )
            }
        },
        WbsMove::Down => {
            if at + 1 >= old.len() {
                return err(
                    "position",
                    "at_the_edge",
                    "the task is already the last of its level",
                );
            }
            (me.parent_id.clone(), at + 1)
        }
    };
    // The new parent exists and is not the task or below it.
    if let Some(p) = &parent {
        let by_id: BTreeMap<&str, Option<&str>> = tasks
            .iter()
            .map(|t| (t.id.as_str(), t.parent_id.as_deref()))
            .collect();
        if !by_id.contains_key(p.as_str()) {
            return err(
                "parent_id",
                "unknown_reference",
                "the new parent is not a task of this project",
            );
        }
        let mut cur = Some(p.as_str());
        let mut steps = 0;
        while let Some(c) = cur {
            if c == task {
                return err(
                    "parent_id",
                    "wbs_cycle",
                    "a task cannot be moved under itself or one of its subtasks",
                );
            }
            steps += 1;
            if steps > tasks.len() {
                break;
            }
            cur = by_id.get(c).copied().flatten();
        }
    }
    // New orders: the old level without the task, the new level with it at `index`.
    let mut out: BTreeMap<String, WbsSlot> = BTreeMap::new();
    let mut renumber = |level: Vec<&WbsSlot>, parent: Option<&String>| {
        for (n, t) in level.into_iter().enumerate() {
            let slot = WbsSlot {
                id: t.id.clone(),
                parent_id: parent.cloned(),
                position: n as i64,
            };
            let orig = tasks.iter().find(|x| x.id == t.id);
            if orig != Some(&slot) {
                out.insert(slot.id.clone(), slot);
            }
        }
    };
    let old_level: Vec<&WbsSlot> = old.iter().copied().filter(|t| t.id != task).collect();
    let mut new_level: Vec<&WbsSlot> = siblings_of(parent.as_deref())
        .into_iter()
        .filter(|t| t.id != task)
        .collect();
    new_level.insert(index.min(new_level.len()), me);
    if me.parent_id != parent {
        renumber(old_level, me.parent_id.as_ref());
    }
    renumber(new_level, parent.as_ref());
    Ok(out.into_values().collect())
}

/// Tasks in WBS order (depth-first by position, then id) with their depth. A task whose parent
/// is missing is left out; the walk never visits more tasks than there are (no loop on a
/// corrupt parent chain).
pub fn wbs_order(tasks: &[crate::model::Task]) -> Vec<(usize, &crate::model::Task)> {
    use crate::model::Task;
    let mut children: BTreeMap<Option<&str>, Vec<&Task>> = BTreeMap::new();
    for t in tasks {
        children.entry(t.parent_id.as_deref()).or_default().push(t);
    }
    for v in children.values_mut() {
        v.sort_by(|a, b| a.position.cmp(&b.position).then(a.id.cmp(&b.id)));
    }
    let mut out = Vec::with_capacity(tasks.len());
    let mut stack: Vec<(usize, &Task)> = children
        .get(&None)
        .map(|v| v.iter().rev().map(|t| (0, *t)).collect())
        .unwrap_or_default();
    while let Some((d, t)) = stack.pop() {
        out.push((d, t));
        if out.len() > tasks.len() {
            break;
        }
        if let Some(kids) = children.get(&Some(t.id.as_str())) {
            stack.extend(kids.iter().rev().map(|k| (d + 1, *k)));
        }
    }
    out
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
    fn finds_a_cycle_in_a_whole_network() {
        assert_eq!(find_cycle(&e(&[("a", "b"), ("b", "c"), ("x", "y")])), None);
        let c = find_cycle(&e(&[("a", "b"), ("b", "c"), ("c", "b"), ("x", "a")])).unwrap();
        assert_eq!(c, vec!["b".to_string(), "c".to_string()]);
        let c = find_cycle(&e(&[("a", "b"), ("b", "a")])).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(
            find_cycle(&e(&[("a", "a")])).unwrap(),
            vec!["a".to_string()]
        );
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

    fn slot(id: &str, parent: Option<&str>, position: i64) -> WbsSlot {
        WbsSlot {
            id: id.into(),
            parent_id: parent.map(str::to_string),
            position,
        }
    }

    /// a (a1, a2), b, c
    fn wbs() -> Vec<WbsSlot> {
        vec![
            slot("a", None, 0),
            slot("a1", Some("a"), 0),
            slot("a2", Some("a"), 1),
            slot("b", None, 1),
            slot("c", None, 2),
        ]
    }

    fn changed(v: Vec<WbsSlot>) -> Vec<(String, Option<String>, i64)> {
        v.into_iter()
            .map(|s| (s.id, s.parent_id, s.position))
            .collect()
    }

    #[test]
    fn indent_makes_the_last_child_of_the_previous_sibling() {
        let r = apply_move(&wbs(), "b", &WbsMove::Indent).unwrap();
        // b goes under a after a2; c closes the gap.
        assert_eq!(
            changed(r),
            vec![("b".into(), Some("a".into()), 2), ("c".into(), None, 1)]
        );
        assert!(apply_move(&wbs(), "a", &WbsMove::Indent).is_err());
    }

    #[test]
    fn outdent_follows_the_parent() {
        let r = apply_move(&wbs(), "a1", &WbsMove::Outdent).unwrap();
        assert_eq!(
            changed(r),
            vec![
                ("a1".into(), None, 1),
                ("a2".into(), Some("a".into()), 0),
                ("b".into(), None, 2),
                ("c".into(), None, 3)
            ]
        );
        assert!(apply_move(&wbs(), "b", &WbsMove::Outdent).is_err());
    }

    #[test]
    fn up_and_down_swap_neighbours() {
        let r = apply_move(&wbs(), "c", &WbsMove::Up).unwrap();
        assert_eq!(
            changed(r),
            vec![("b".into(), None, 2), ("c".into(), None, 1)]
        );
        let r = apply_move(&wbs(), "a1", &WbsMove::Down).unwrap();
        assert_eq!(
            changed(r),
            vec![
                ("a1".into(), Some("a".into()), 1),
                ("a2".into(), Some("a".into()), 0)
            ]
        );
        assert!(apply_move(&wbs(), "a", &WbsMove::Up).is_err());
        assert!(apply_move(&wbs(), "c", &WbsMove::Down).is_err());
    }

    #[test]
    fn moves_under_itself_or_to_nowhere_are_refused() {
        let e = apply_move(
            &wbs(),
            "a",
            &WbsMove::To {
                parent_id: Some("a2".into()),
                index: 0,
            },
        )
        .unwrap_err();
        assert_eq!(e.0[0].code, "wbs_cycle");
        let e = apply_move(
            &wbs(),
            "b",
            &WbsMove::To {
                parent_id: Some("zz".into()),
                index: 0,
            },
        )
        .unwrap_err();
        assert_eq!(e.0[0].code, "unknown_reference");
    }

    #[test]
    fn a_move_to_the_same_place_changes_nothing() {
        let r = apply_move(
            &wbs(),
            "b",
            &WbsMove::To {
                parent_id: None,
                index: 1,
            },
        )
        .unwrap();
        assert!(r.is_empty());
    }
}
