//! Roles, scopes and the one place where PSO decides what a caller may see and do.
//!
//! A user holds grants: a [`Role`] on a scope. Grants are stored and compared **by id**
//! ([`ScopeId`]): renaming a site, unit or project keeps its grants, and a code that is re-used
//! for a new object grants nothing. Codes ([`Scope`]) are only for input and display: a grant
//! is written as `site:GRE` and resolved to the site's id once, when it is saved. Every page,
//! API route, list query and export asks this module. For projects (and everything inside them: tasks, dependencies,
//! assignments, their audit trail) the answer is a [`ProjectScope`]: the set of projects a
//! caller may read or write. The store turns it into a `WHERE` clause for lists; handlers call
//! [`ProjectScope::covers`] for single objects. Both come from the same grants, so a list never
//! shows an object that its own page would refuse.
//!
//! Design choices:
//! - The organisation directory (business units, sites, people) is reference data every signed-in
//!   user may read; writing it is for admins (people also for the PSO of the person's site).
//! - Users and their grants are for admins only.
//! - An object outside the caller's read scope does not exist for them (404, never 403), so
//!   scopes leak nothing. Inside the read scope, a missing write right is 403.

use crate::ids::{BusinessUnitId, ProjectId, SiteId};
use serde::{Deserialize, Serialize};

/// The roles of DESIGN.md.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Pmo,
    Standards,
    Pso,
    ProjectManager,
    Member,
    Executive,
    Qa,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::Pmo,
        Role::Standards,
        Role::Pso,
        Role::ProjectManager,
        Role::Member,
        Role::Executive,
        Role::Qa,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Pmo => "pmo",
            Role::Standards => "standards",
            Role::Pso => "pso",
            Role::ProjectManager => "project_manager",
            Role::Member => "member",
            Role::Executive => "executive",
            Role::Qa => "qa",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    /// Human label for pages.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Pmo => "PMO",
            Role::Standards => "Standards office",
            Role::Pso => "Project support office",
            Role::ProjectManager => "Project manager",
            Role::Member => "Team member",
            Role::Executive => "Executive",
            Role::Qa => "QA officer",
        }
    }

    /// May this role change the plan (project fields, tasks, dependencies, assignments)?
    fn edits_plans(self) -> bool {
        matches!(
            self,
            Role::Admin | Role::Pmo | Role::Pso | Role::ProjectManager
        )
    }

    /// May this role create and delete projects?
    fn manages_portfolio(self) -> bool {
        matches!(self, Role::Admin | Role::Pmo | Role::Pso)
    }
}

/// Where a grant holds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    Global,
    BusinessUnit(String),
    Site(String),
    Project(String),
}

impl Scope {
    /// Parses `global`, `business_unit:CODE`, `site:CODE` or `project:CODE`.
    pub fn parse(s: &str) -> Option<Scope> {
        let s = s.trim();
        if s == "global" {
            return Some(Scope::Global);
        }
        let (kind, code) = s.split_once(':')?;
        let code = crate::values::Code::parse(code).ok()?.to_string();
        match kind {
            "business_unit" => Some(Scope::BusinessUnit(code)),
            "site" => Some(Scope::Site(code)),
            "project" => Some(Scope::Project(code)),
            _ => None,
        }
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scope::Global => f.write_str("global"),
            Scope::BusinessUnit(c) => write!(f, "business_unit:{c}"),
            Scope::Site(c) => write!(f, "site:{c}"),
            Scope::Project(c) => write!(f, "project:{c}"),
        }
    }
}

impl schemars::JsonSchema for Scope {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Scope".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        crate::schema::scope(g)
    }
}

impl Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Scope::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "'{s}' is not a scope (global, business_unit:CODE, site:CODE or project:CODE)"
            ))
        })
    }
}

/// Where a grant holds, by id: what the permission rules compare.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum ScopeId {
    Global,
    BusinessUnit(BusinessUnitId),
    Site(SiteId),
    Project(ProjectId),
}

impl ScopeId {
    /// `global`, `site`, `business_unit` or `project`.
    pub fn kind(&self) -> &'static str {
        match self {
            ScopeId::Global => "global",
            ScopeId::BusinessUnit(_) => "business_unit",
            ScopeId::Site(_) => "site",
            ScopeId::Project(_) => "project",
        }
    }

    /// The id of the object (none for `global`).
    pub fn id(&self) -> Option<&str> {
        match self {
            ScopeId::Global => None,
            ScopeId::BusinessUnit(i) => Some(i.as_str()),
            ScopeId::Site(i) => Some(i.as_str()),
            ScopeId::Project(i) => Some(i.as_str()),
        }
    }
}

/// A role granted on a scope named by code: the input form of a grant (`{"role": "pso",
/// "scope": "site:GRE"}`), resolved to a [`ScopeId`] when saved.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    pub role: Role,
    pub scope: Scope,
}

/// A stored grant: the role, the scope by id (what access is decided on) and, for display, the
/// scope with the object's current code.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct UserGrant {
    pub role: Role,
    /// The scope with the object's code as it is now (`site:GRE`).
    pub scope: Scope,
    /// The id of the site, business unit or project (absent for `global`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope_id: Option<String>,
}

impl UserGrant {
    /// What the permission rules compare.
    pub fn access(&self) -> AccessGrant {
        let id = self.scope_id.clone().unwrap_or_default();
        AccessGrant {
            role: self.role,
            scope: match &self.scope {
                Scope::Global => ScopeId::Global,
                Scope::BusinessUnit(_) => ScopeId::BusinessUnit(id.into()),
                Scope::Site(_) => ScopeId::Site(id.into()),
                Scope::Project(_) => ScopeId::Project(id.into()),
            },
        }
    }

    /// The input form (by code).
    pub fn input(&self) -> Grant {
        Grant {
            role: self.role,
            scope: self.scope.clone(),
        }
    }
}

/// A role granted on a scope by id.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct AccessGrant {
    pub role: Role,
    pub scope: ScopeId,
}

/// Who is asking: the signed-in user (or the owner of an API token) and their grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub grants: Vec<AccessGrant>,
}

/// What a project looks like to the permission rules: its id and where it belongs, by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRef {
    /// `None` for a project not created yet (a creation is checked on its site and unit).
    pub id: Option<ProjectId>,
    pub site_id: SiteId,
    /// The project's business unit and every unit above it (a line's parent unit).
    pub business_unit_ids: Vec<BusinessUnitId>,
}

/// What the caller wants to do with projects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectAction {
    /// See the project and everything in it.
    Read,
    /// Change the project and its plan (tasks, dependencies, assignments).
    Edit,
    /// Create a project (checked against the new project's site and unit) or delete one.
    Manage,
}

/// The set of projects a caller may act on, by id; see the module docs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectScope {
    pub all: bool,
    pub site_ids: Vec<SiteId>,
    /// Granted units; a unit covers its lines (the store expands them for list queries).
    pub business_unit_ids: Vec<BusinessUnitId>,
    pub project_ids: Vec<ProjectId>,
}

impl ProjectScope {
    /// Nothing at all.
    pub fn is_empty(&self) -> bool {
        !self.all
            && self.site_ids.is_empty()
            && self.business_unit_ids.is_empty()
            && self.project_ids.is_empty()
    }

    /// Does this scope include the project?
    pub fn covers(&self, p: &ProjectRef) -> bool {
        self.all
            || self.site_ids.contains(&p.site_id)
            || p.id
                .as_ref()
                .is_some_and(|id| self.project_ids.contains(id))
            || p.business_unit_ids
                .iter()
                .any(|b| self.business_unit_ids.contains(b))
    }
}

impl Principal {
    fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    fn has_global(&self, role: Role) -> bool {
        self.grants
            .iter()
            .any(|g| g.role == role && g.scope == ScopeId::Global)
    }

    pub fn is_admin(&self) -> bool {
        self.has_global(Role::Admin)
    }

    /// The projects this caller may act on in the given way.
    pub fn project_scope(&self, action: ProjectAction) -> ProjectScope {
        let mut s = ProjectScope::default();
        for g in &self.grants {
            let allowed = match action {
                ProjectAction::Read => true,
                ProjectAction::Edit => g.role.edits_plans(),
                ProjectAction::Manage => g.role.manages_portfolio(),
            };
            if !allowed {
                continue;
            }
            // Standards officers work across the organisation: their grants read everywhere.
            let scope = if g.role == Role::Standards && action == ProjectAction::Read {
                &ScopeId::Global
            } else {
                &g.scope
            };
            match scope {
                ScopeId::Global => s.all = true,
                ScopeId::Site(i) => s.site_ids.push(i.clone()),
                ScopeId::BusinessUnit(i) => s.business_unit_ids.push(i.clone()),
                ScopeId::Project(i) => s.project_ids.push(i.clone()),
            }
        }
        s.site_ids.sort();
        s.site_ids.dedup();
        s.business_unit_ids.sort();
        s.business_unit_ids.dedup();
        s.project_ids.sort();
        s.project_ids.dedup();
        s
    }

    /// Whether a project's business units matter to this caller's rules (a grant on a unit):
    /// without one, [`ProjectRef::business_unit_ids`] need not hold the unit's ancestors.
    pub fn has_unit_grants(&self) -> bool {
        self.grants
            .iter()
            .any(|g| matches!(g.scope, ScopeId::BusinessUnit(_)))
    }

    pub fn can_project(&self, action: ProjectAction, p: &ProjectRef) -> bool {
        self.project_scope(action).covers(p)
    }

    /// Business units and sites: readable by every signed-in user, written by admins.
    pub fn can_edit_organisation(&self) -> bool {
        self.is_admin()
    }

    /// People: admins everywhere, PSO data administrators on their sites (by site id).
    pub fn can_edit_person(&self, site_id: &SiteId) -> bool {
        self.is_admin()
            || self.grants.iter().any(|g| {
                g.role == Role::Pso
                    && match &g.scope {
                        ScopeId::Global => true,
                        ScopeId::Site(i) => i == site_id,
                        _ => false,
                    }
            })
    }

    /// A site's time rules and period locks: admins, the standards office (global), and the
    /// site's PSO.
    pub fn can_set_time_rules(&self, site_id: &SiteId) -> bool {
        self.is_admin()
            || self.grants.iter().any(|g| match (g.role, &g.scope) {
                (Role::Standards, ScopeId::Global) | (Role::Pso, ScopeId::Global) => true,
                (Role::Pso, ScopeId::Site(i)) => i == site_id,
                _ => false,
            })
    }

    /// A site's period lock: admins and the site's PSO (a global PSO grant covers every
    /// site); only admins may move it back (reopening closed time).
    pub fn can_lock_periods(&self, site_id: &SiteId) -> bool {
        self.is_admin()
            || self.grants.iter().any(|g| match (g.role, &g.scope) {
                (Role::Pso, ScopeId::Global) => true,
                (Role::Pso, ScopeId::Site(i)) => i == site_id,
                _ => false,
            })
    }

    /// A person's timesheet: the person (`own`: the caller's user is linked to them) writes
    /// and reads it; the PSO of the person's site (and administrators) may too, on their
    /// behalf. Approvers read only their projects' lines ([`Principal::can_approve_time`]).
    pub fn can_write_timesheet(&self, own: bool, person_site: &SiteId) -> bool {
        own || self.can_edit_person(person_site)
    }

    /// Reopening an approved sheet: the PSO of the person's site and administrators.
    pub fn can_reopen_timesheet(&self, person_site: &SiteId) -> bool {
        self.can_lock_periods(person_site)
    }

    /// Approving a project's lines of timesheets: the project's manager (`is_manager`: the
    /// caller's user is linked to the project's manager), a PSO whose grant covers the
    /// project, and administrators.
    pub fn can_approve_time(&self, p: &ProjectRef, is_manager: bool) -> bool {
        is_manager || self.time_approval_scope().covers(p)
    }

    /// The projects whose time this caller approves besides those they manage: a PSO grant's
    /// scope, everything for administrators.
    pub fn time_approval_scope(&self) -> ProjectScope {
        let mut s = ProjectScope::default();
        for g in &self.grants {
            if !(g.role == Role::Pso || (g.role == Role::Admin && g.scope == ScopeId::Global)) {
                continue;
            }
            match &g.scope {
                ScopeId::Global => s.all = true,
                ScopeId::Site(i) => s.site_ids.push(i.clone()),
                ScopeId::BusinessUnit(i) => s.business_unit_ids.push(i.clone()),
                ScopeId::Project(i) => s.project_ids.push(i.clone()),
            }
        }
        s
    }

    /// Users, role grants and other people's tokens: admins only.
    pub fn can_manage_users(&self) -> bool {
        self.is_admin()
    }

    /// Roles shown in the navigation (for pages only; rights come from the methods above).
    pub fn roles(&self) -> Vec<Role> {
        let mut r: Vec<Role> = self.grants.iter().map(|g| g.role).collect();
        r.sort();
        r.dedup();
        r
    }

    /// May create at least one project somewhere (pages use it to offer the "New project" form).
    pub fn may_create_projects(&self) -> bool {
        !self.project_scope(ProjectAction::Manage).is_empty()
    }

    /// Whether the caller has any role at all that may read projects.
    pub fn is_reader(&self) -> bool {
        Role::ALL.iter().any(|r| self.has_role(*r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A principal from (role, scope) pairs where the scope is written `kind:ID` (ids here).
    fn p(grants: &[(Role, &str)]) -> Principal {
        Principal {
            user_id: "u".into(),
            email: "u@x.org".into(),
            name: "U".into(),
            grants: grants
                .iter()
                .map(|(r, s)| AccessGrant {
                    role: *r,
                    scope: match s.split_once(':') {
                        None => ScopeId::Global,
                        Some(("site", i)) => ScopeId::Site(i.into()),
                        Some(("business_unit", i)) => ScopeId::BusinessUnit(i.into()),
                        Some(("project", i)) => ScopeId::Project(i.into()),
                        Some(_) => panic!("bad scope {s}"),
                    },
                })
                .collect(),
        }
    }

    fn proj(id: &str, site: &str, bus: &[&str]) -> ProjectRef {
        ProjectRef {
            id: (!id.is_empty()).then(|| id.into()),
            site_id: site.into(),
            business_unit_ids: bus.iter().map(|s| (*s).into()).collect(),
        }
    }

    #[test]
    fn scopes_parse_and_print() {
        for s in ["global", "site:PAR", "business_unit:ENG", "project:X-1"] {
            assert_eq!(Scope::parse(s).unwrap().to_string(), s);
        }
        assert!(Scope::parse("planet:EARTH").is_none());
        assert!(Scope::parse("site:").is_none());
    }

    #[test]
    fn site_scoped_pso() {
        let u = p(&[(Role::Pso, "site:s-par")]);
        let here = proj("a1", "s-par", &["b-eng", "b-tech"]);
        let there = proj("b1", "s-chi", &["b-eng", "b-tech"]);
        assert!(u.can_project(ProjectAction::Read, &here));
        assert!(u.can_project(ProjectAction::Manage, &here));
        assert!(!u.can_project(ProjectAction::Read, &there));
        assert!(!u.can_project(ProjectAction::Manage, &there));
        assert!(u.can_edit_person(&"s-par".into()));
        assert!(!u.can_edit_person(&"s-chi".into()));
    }

    #[test]
    fn member_and_executive_read_only() {
        let m = p(&[(Role::Member, "project:a1")]);
        let e = p(&[(Role::Executive, "global")]);
        let a1 = proj("a1", "s-par", &["b-eng"]);
        assert!(m.can_project(ProjectAction::Read, &a1));
        assert!(!m.can_project(ProjectAction::Edit, &a1));
        assert!(e.can_project(ProjectAction::Read, &a1));
        assert!(!e.can_project(ProjectAction::Edit, &a1));
        assert!(!e.can_project(ProjectAction::Manage, &a1));
    }

    #[test]
    fn business_unit_covers_its_lines() {
        let pmo = p(&[(Role::Pmo, "business_unit:b-tech")]);
        assert!(pmo.can_project(
            ProjectAction::Manage,
            &proj("a1", "s-par", &["b-eng", "b-tech"])
        ));
        assert!(!pmo.can_project(
            ProjectAction::Read,
            &proj("b1", "s-par", &["b-ops", "b-corp"])
        ));
    }

    #[test]
    fn project_manager_edits_but_does_not_manage() {
        let pm = p(&[(Role::ProjectManager, "project:a1")]);
        let a1 = proj("a1", "s-par", &["b-eng"]);
        assert!(pm.can_project(ProjectAction::Edit, &a1));
        assert!(!pm.can_project(ProjectAction::Manage, &a1));
        assert!(!pm.can_project(ProjectAction::Read, &proj("a2", "s-par", &["b-eng"])));
    }

    #[test]
    fn a_project_grant_never_covers_a_project_not_created_yet() {
        let pm = p(&[(Role::ProjectManager, "project:a1")]);
        assert!(!pm.can_project(ProjectAction::Read, &proj("", "s-par", &["b-eng"])));
    }

    #[test]
    fn grants_by_id_survive_renames_and_ignore_reused_codes() {
        // The stored grant names project id a1 (its code was ERP-S4 when granted).
        let g = UserGrant {
            role: Role::ProjectManager,
            scope: Scope::Project("ERP-S4-OLD".into()),
            scope_id: Some("a1".into()),
        };
        let pm = Principal {
            user_id: "u".into(),
            email: "u@x.org".into(),
            name: "U".into(),
            grants: vec![g.access()],
        };
        assert!(pm.can_project(ProjectAction::Read, &proj("a1", "s", &[])));
        // A new project that took the old code ERP-S4 has another id.
        assert!(!pm.can_project(ProjectAction::Read, &proj("a9", "s", &[])));
    }

    #[test]
    fn no_grants_no_access() {
        let n = p(&[]);
        assert!(n.project_scope(ProjectAction::Read).is_empty());
        assert!(!n.can_manage_users());
    }
}
