//! The organisation and the plan: every operation once, for the API, the pages and the CLI.
//!
//! Each operation authorises the caller (through `pso-domain`'s rules), checks references,
//! validates the input (through the domain types) and calls the store. The faces are thin
//! wrappers around these functions, so no rule is written twice.

use crate::auth::{hash_password, Caller};
use crate::error::{AppError, AppResult, ErrorKind};
use crate::App;
use pso_domain::access::{AccessGrant, ProjectAction, Scope, ScopeId};
use pso_domain::model::*;
use pso_domain::ValidationErrors;
use pso_store::{Page, ProjectFilter};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Refuses a control character other than tab and newline in any string of `v`, naming the
/// field (`holidays[2].name`). (The pages turn text areas' `\r\n` into `\n` before.)
fn clean_text(v: &mut Value, path: &str, errors: &mut ValidationErrors) {
    match v {
        Value::String(s) => {
            if let Err(e) = pso_domain::values::check_text(s) {
                errors.add(path, e.code, e.message);
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter_mut().enumerate() {
                clean_text(x, &format!("{path}[{i}]"), errors);
            }
        }
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                clean_text(x, &p, errors);
            }
        }
        _ => {}
    }
}

/// Deserialises an input, naming the field of a wrong type or an unknown field (422). Every
/// input is a JSON object (serde would otherwise read a struct from an array, field by field),
/// and every text is checked for control characters first (one place for every JSON and form
/// input).
pub fn parse_input<T: DeserializeOwned>(mut input: Value) -> AppResult<T> {
    if !input.is_object() {
        return Err(AppError::field(
            "",
            "invalid_type",
            "the body is a JSON object",
        ));
    }
    let mut errors = ValidationErrors::new();
    clean_text(&mut input, "", &mut errors);
    v(errors.into_result(()))?;
    serde_path_to_error::deserialize(input).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        let (field, code) = if let Some(rest) = inner.strip_prefix("unknown field `") {
            (
                rest.split('`').next().unwrap_or("").to_string(),
                "unknown_field",
            )
        } else if let Some(rest) = inner.strip_prefix("missing field `") {
            (rest.split('`').next().unwrap_or("").to_string(), "required")
        } else {
            (
                if path == "." { String::new() } else { path },
                "invalid_type",
            )
        };
        AppError::field(&field, code, inner)
    })
}

/// The input form of `current` with a JSON merge patch applied.
pub fn patched<E: Entity>(current: &E, patch: Value) -> AppResult<E::Input> {
    if !patch.is_object() {
        return Err(AppError::field(
            "",
            "invalid_type",
            "a PATCH body is a JSON object (JSON merge patch)",
        ));
    }
    let mut base = serde_json::to_value(current.to_input()).map_err(AppError::internal)?;
    merge_patch(&mut base, &patch);
    parse_input(base)
}

fn v<T>(r: Result<T, ValidationErrors>) -> AppResult<T> {
    r.map_err(AppError::validation)
}

/// Page parameters, already bounded.
#[derive(Debug, Clone)]
pub struct Paging {
    pub limit: i64,
    pub cursor: Option<String>,
}

impl Default for Paging {
    fn default() -> Self {
        Paging {
            limit: 100,
            cursor: None,
        }
    }
}

impl Paging {
    /// The first page of the largest size a list allows (1,000).
    pub fn default_large() -> Self {
        Paging {
            limit: 1000,
            cursor: None,
        }
    }
}

/// The operations, for one caller.
pub struct Svc<'a> {
    pub app: &'a App,
    pub caller: &'a Caller,
}

impl<'a> Svc<'a> {
    pub fn new(app: &'a App, caller: &'a Caller) -> Self {
        Svc { app, caller }
    }

    pub(crate) fn store(&self) -> &pso_store::Store {
        &self.app.store
    }

    fn require_admin(&self) -> AppResult<()> {
        if self.caller.principal.can_edit_organisation() {
            Ok(())
        } else {
            Err(AppError::forbidden("only administrators may change this"))
        }
    }

    // ------------------------------------------------------------ business units

    pub async fn list_business_units(&self, p: &Paging) -> AppResult<Page<BusinessUnit>> {
        Ok(self
            .store()
            .list_business_units(p.limit, p.cursor.as_deref())
            .await?)
    }

    pub async fn get_business_unit(&self, id: &str) -> AppResult<BusinessUnit> {
        self.store()
            .get_business_unit(id)
            .await?
            .ok_or_else(AppError::not_found)
    }

    async fn check_bu_parent(&self, id: Option<&str>, parent: Option<&str>) -> AppResult<()> {
        let Some(parent) = parent else { return Ok(()) };
        let all = self.store().all_business_units().await?;
        if !all.iter().any(|b| b.id == parent) {
            return Err(AppError::field(
                "parent_id",
                "unknown_reference",
                format!("business unit '{parent}' does not exist"),
            ));
        }
        let mut cur = Some(parent.to_string());
        let mut steps = 0;
        while let Some(c) = cur {
            if Some(c.as_str()) == id {
                return Err(AppError::field(
                    "parent_id",
                    "hierarchy_cycle",
                    "a business unit cannot be placed under itself or one of its lines",
                ));
            }
            steps += 1;
            if steps > all.len() {
                break;
            }
            cur = all
                .iter()
                .find(|b| b.id == c)
                .and_then(|b| b.parent_id.clone());
        }
        Ok(())
    }

    pub async fn create_business_unit(&self, input: BusinessUnitInput) -> AppResult<BusinessUnit> {
        self.require_admin()?;
        let n = v(input.validate())?;
        self.check_bu_parent(None, n.parent_id.as_deref()).await?;
        Ok(self
            .store()
            .create_business_unit(&self.caller.actor(), &n)
            .await?)
    }

    pub async fn update_business_unit(
        &self,
        id: &str,
        version: Option<i64>,
        patch: Value,
    ) -> AppResult<BusinessUnit> {
        let cur = self.get_business_unit(id).await?;
        self.require_admin()?;
        let expected = check_version(version, cur.version)?;
        let n = v(patched(&cur, patch)?.validate())?;
        self.check_bu_parent(Some(id), n.parent_id.as_deref())
            .await?;
        Ok(self
            .store()
            .update_business_unit(&self.caller.actor(), id, expected, &n)
            .await?)
    }

    pub async fn delete_business_unit(&self, id: &str, version: Option<i64>) -> AppResult<()> {
        let cur = self.get_business_unit(id).await?;
        self.require_admin()?;
        let expected = check_version(version, cur.version)?;
        Ok(self
            .store()
            .delete_business_unit(&self.caller.actor(), id, expected)
            .await?)
    }

    // ------------------------------------------------------------ sites

    pub async fn list_sites(&self, p: &Paging) -> AppResult<Page<Site>> {
        Ok(self
            .store()
            .list_sites(p.limit, p.cursor.as_deref())
            .await?)
    }

    pub async fn get_site(&self, id: &str) -> AppResult<Site> {
        self.store()
            .get_site(id)
            .await?
            .ok_or_else(AppError::not_found)
    }

    pub async fn create_site(&self, input: SiteInput) -> AppResult<Site> {
        self.require_admin()?;
        let n = v(input.validate())?;
        Ok(self.store().create_site(&self.caller.actor(), &n).await?)
    }

    pub async fn update_site(
        &self,
        id: &str,
        version: Option<i64>,
        patch: Value,
    ) -> AppResult<Site> {
        let cur = self.get_site(id).await?;
        self.require_admin()?;
        let expected = check_version(version, cur.version)?;
        let n = v(patched(&cur, patch)?.validate())?;
        Ok(self
            .store()
            .update_site(&self.caller.actor(), id, expected, &n)
            .await?)
    }

    pub async fn delete_site(&self, id: &str, version: Option<i64>) -> AppResult<()> {
        let cur = self.get_site(id).await?;
        self.require_admin()?;
        let expected = check_version(version, cur.version)?;
        Ok(self
            .store()
            .delete_site(&self.caller.actor(), id, expected)
            .await?)
    }

    // ------------------------------------------------------------ people

    pub async fn list_people(
        &self,
        site_id: Option<&str>,
        q: Option<&str>,
        p: &Paging,
    ) -> AppResult<Page<Person>> {
        Ok(self
            .store()
            .list_people(site_id, q, p.limit, p.cursor.as_deref())
            .await?)
    }

    /// People for a picker: the first `limit` by name matching `q`, and the number of people
    /// in all (so a page can say how many it does not show).
    pub async fn people_for_picker(&self, q: &str, limit: i64) -> AppResult<(Vec<Person>, i64)> {
        Ok(self.store().people_for_picker(q, limit).await?)
    }

    pub async fn get_person(&self, id: &str) -> AppResult<Person> {
        self.store()
            .get_person(id)
            .await?
            .ok_or_else(AppError::not_found)
    }

    async fn person_site_allowed(&self, site_id: &str) -> AppResult<()> {
        let site = self.store().get_site(site_id).await?.ok_or_else(|| {
            AppError::field(
                "site_id",
                "unknown_reference",
                format!("site '{site_id}' does not exist"),
            )
        })?;
        if self
            .caller
            .principal
            .can_edit_person(&site.id.as_str().into())
        {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "you may not manage people of site {}",
                site.code
            )))
        }
    }

    /// A person's manager must be another person who exists.
    async fn check_manager(&self, id: Option<&str>, n: &NewPerson) -> AppResult<()> {
        let Some(m) = &n.manager_id else {
            return Ok(());
        };
        if Some(m.as_str()) == id {
            return Err(AppError::field(
                "manager_id",
                "invalid_reference",
                "a person is not their own manager",
            ));
        }
        if self.store().get_person(m).await?.is_none() {
            return Err(AppError::field(
                "manager_id",
                "unknown_reference",
                format!("person '{m}' does not exist"),
            ));
        }
        Ok(())
    }

    pub async fn create_person(&self, input: PersonInput) -> AppResult<Person> {
        let n = v(input.validate())?;
        self.person_site_allowed(&n.site_id).await?;
        self.check_manager(None, &n).await?;
        Ok(self.store().create_person(&self.caller.actor(), &n).await?)
    }

    pub async fn update_person(
        &self,
        id: &str,
        version: Option<i64>,
        patch: Value,
    ) -> AppResult<Person> {
        let cur = self.get_person(id).await?;
        self.person_site_allowed(&cur.site_id).await?;
        let expected = check_version(version, cur.version)?;
        let n = v(patched(&cur, patch)?.validate())?;
        self.person_site_allowed(&n.site_id).await?;
        self.check_manager(Some(id), &n).await?;
        Ok(self
            .store()
            .update_person(&self.caller.actor(), id, expected, &n)
            .await?)
    }

    pub async fn delete_person(&self, id: &str, version: Option<i64>) -> AppResult<()> {
        let cur = self.get_person(id).await?;
        self.person_site_allowed(&cur.site_id).await?;
        let expected = check_version(version, cur.version)?;
        Ok(self
            .store()
            .delete_person(&self.caller.actor(), id, expected)
            .await?)
    }

    // ------------------------------------------------------------ users

    fn require_user_admin(&self) -> AppResult<()> {
        if self.caller.principal.can_manage_users() {
            Ok(())
        } else {
            Err(AppError::forbidden("only administrators manage users"))
        }
    }

    pub async fn list_users(&self, p: &Paging) -> AppResult<Page<User>> {
        self.require_user_admin()?;
        Ok(self
            .store()
            .list_users(p.limit, p.cursor.as_deref())
            .await?)
    }

    pub async fn get_user(&self, id: &str) -> AppResult<User> {
        if !self.caller.principal.can_manage_users() && self.caller.user.id != id {
            return Err(AppError::not_found());
        }
        self.store()
            .get_user(id)
            .await?
            .ok_or_else(AppError::not_found)
    }

    /// Checks the user's person and resolves each grant's scope code to the object's id (422
    /// naming the grant when the code names nothing).
    async fn check_user_refs(&self, n: &NewUser) -> AppResult<Vec<AccessGrant>> {
        let mut e = ValidationErrors::new();
        if let Some(p) = &n.person_id {
            if self.store().get_person(p).await?.is_none() {
                e.add(
                    "person_id",
                    "unknown_reference",
                    format!("person '{p}' does not exist"),
                );
            }
        }
        let sites = self.store().all_sites().await?;
        let bus = self.store().all_business_units().await?;
        let mut grants = Vec::new();
        for (i, g) in n.grants.iter().enumerate() {
            let id = match &g.scope {
                Scope::Global => Some(ScopeId::Global),
                Scope::Site(c) => sites
                    .iter()
                    .find(|s| &s.code == c)
                    .map(|s| ScopeId::Site(s.id.as_str().into())),
                Scope::BusinessUnit(c) => bus
                    .iter()
                    .find(|b| &b.code == c)
                    .map(|b| ScopeId::BusinessUnit(b.id.as_str().into())),
                Scope::Project(c) => self
                    .store()
                    .project_by_code(c)
                    .await?
                    .map(|p| ScopeId::Project(p.id.into())),
            };
            match id {
                Some(scope) => grants.push(AccessGrant {
                    role: g.role,
                    scope,
                }),
                None => e.add(
                    &format!("grants[{i}].scope"),
                    "unknown_reference",
                    format!("scope '{}' names nothing that exists", g.scope),
                ),
            }
        }
        v(e.into_result(()))?;
        Ok(grants)
    }

    pub async fn create_user(&self, input: UserInput) -> AppResult<User> {
        self.require_user_admin()?;
        let n = v(input.validate())?;
        let grants = self.check_user_refs(&n).await?;
        let hash = match &n.password {
            Some(p) => Some(hash_password(p.expose()).await?),
            None => None,
        };
        Ok(self
            .store()
            .create_user(&self.caller.actor(), &n, &grants, hash.as_deref())
            .await?)
    }

    pub async fn update_user(
        &self,
        id: &str,
        version: Option<i64>,
        patch: Value,
    ) -> AppResult<User> {
        self.require_user_admin()?;
        let cur = self.get_user(id).await?;
        let expected = check_version(version, cur.version)?;
        let n = v(patched(&cur, patch)?.validate())?;
        if n.disabled && !cur.disabled && cur.id == self.caller.user.id {
            return Err(AppError::conflict(
                "you cannot disable your own account (another administrator can)",
            ));
        }
        let grants = self.check_user_refs(&n).await?;
        let hash = match &n.password {
            Some(p) => Some(hash_password(p.expose()).await?),
            None => None,
        };
        Ok(self
            .store()
            .update_user(
                &self.caller.actor(),
                id,
                expected,
                &n,
                &grants,
                hash.as_deref(),
            )
            .await?)
    }

    pub async fn delete_user(&self, id: &str, version: Option<i64>) -> AppResult<()> {
        self.require_user_admin()?;
        let cur = self.get_user(id).await?;
        if cur.id == self.caller.user.id {
            return Err(AppError::conflict("you cannot delete your own account"));
        }
        let expected = check_version(version, cur.version)?;
        Ok(self
            .store()
            .delete_user(&self.caller.actor(), id, expected)
            .await?)
    }

    // ------------------------------------------------------------ projects

    /// The project if the caller may act on it: 404 outside their read scope, 403 inside it
    /// without the right.
    /// What the permission rules need to know about a project, for this caller: the chain of
    /// its business units is read only when the caller holds a grant on a unit (one query
    /// fewer on every request of everyone else).
    pub async fn project_ref(&self, p: &Project) -> AppResult<pso_domain::access::ProjectRef> {
        if self.caller.principal.has_unit_grants() {
            return Ok(self.store().project_ref(p).await?);
        }
        Ok(pso_domain::access::ProjectRef {
            id: Some(p.id.as_str().into()),
            site_id: p.site_id.as_str().into(),
            business_unit_ids: vec![p.business_unit_id.as_str().into()],
        })
    }

    pub async fn project(&self, id: &str, action: ProjectAction) -> AppResult<Project> {
        let p = self
            .store()
            .get_project(id)
            .await?
            .ok_or_else(AppError::not_found)?;
        let r = self.project_ref(&p).await?;
        let who = &self.caller.principal;
        if !who.can_project(ProjectAction::Read, &r) {
            return Err(AppError::not_found());
        }
        if !who.can_project(action, &r) {
            return Err(AppError::forbidden(match action {
                ProjectAction::Edit => "your role does not allow changing this project",
                _ => "your role does not allow creating or deleting this project",
            }));
        }
        Ok(p)
    }

    pub async fn list_projects(&self, f: &ProjectFilter, p: &Paging) -> AppResult<Page<Project>> {
        let scope = self.caller.principal.project_scope(ProjectAction::Read);
        Ok(self
            .store()
            .list_projects(&scope, f, p.limit, p.cursor.as_deref())
            .await?)
    }

    /// Checks a project's references and that the caller may place a project there.
    async fn check_project_refs(
        &self,
        n: &NewProject,
        existing: Option<&str>,
        action: ProjectAction,
    ) -> AppResult<()> {
        let mut e = ValidationErrors::new();
        if self.store().get_site(&n.site_id).await?.is_none() {
            e.add(
                "site_id",
                "unknown_reference",
                format!("site '{}' does not exist", n.site_id),
            );
        }
        if self
            .store()
            .get_business_unit(&n.business_unit_id)
            .await?
            .is_none()
        {
            e.add(
                "business_unit_id",
                "unknown_reference",
                format!("business unit '{}' does not exist", n.business_unit_id),
            );
        }
        if let Some(m) = &n.manager_id {
            if self.store().get_person(m).await?.is_none() {
                e.add(
                    "manager_id",
                    "unknown_reference",
                    format!("person '{m}' does not exist"),
                );
            }
        }
        v(e.into_result(()))?;
        let mut r = self
            .store()
            .project_ref_parts(&n.site_id, &n.business_unit_id)
            .await?;
        if let Some(id) = existing {
            r.id = Some(id.into());
        }
        if !self.caller.principal.can_project(action, &r) {
            let site = self.store().get_site(&n.site_id).await?;
            let unit = self.store().get_business_unit(&n.business_unit_id).await?;
            return Err(AppError::field(
                "site_id",
                "out_of_scope",
                format!(
                    "site {} and business unit {} are outside the scopes where you may {}",
                    site.map(|s| s.code).unwrap_or_default(),
                    unit.map(|u| u.code).unwrap_or_default(),
                    if action == ProjectAction::Manage {
                        "create projects"
                    } else {
                        "edit projects"
                    }
                ),
            ));
        }
        Ok(())
    }

    pub async fn create_project(&self, input: ProjectInput) -> AppResult<Project> {
        let n = v(input.validate())?;
        self.check_project_refs(&n, None, ProjectAction::Manage)
            .await?;
        Ok(self
            .store()
            .create_project(&self.caller.actor(), &n)
            .await?)
    }

    pub async fn update_project(
        &self,
        id: &str,
        version: Option<i64>,
        patch: Value,
    ) -> AppResult<Project> {
        let cur = self.project(id, ProjectAction::Edit).await?;
        let expected = check_version(version, cur.version)?;
        let n = v(patched(&cur, patch)?.validate())?;
        let moved = n.site_id != cur.site_id || n.business_unit_id != cur.business_unit_id;
        let action = if moved {
            ProjectAction::Manage
        } else {
            ProjectAction::Edit
        };
        self.check_project_refs(&n, Some(id), action).await?;
        Ok(self
            .store()
            .update_project(&self.caller.actor(), id, expected, &n)
            .await?)
    }

    pub async fn delete_project(&self, id: &str, version: Option<i64>) -> AppResult<()> {
        let cur = self.project(id, ProjectAction::Manage).await?;
        let expected = check_version(version, cur.version)?;
        Ok(self
            .store()
            .delete_project(&self.caller.actor(), id, expected)
            .await?)
    }

    // ------------------------------------------------------------ tasks

    pub async fn list_tasks(&self, project_id: &str, p: &Paging) -> AppResult<Page<Task>> {
        self.project(project_id, ProjectAction::Read).await?;
        Ok(self
            .store()
            .list_tasks(project_id, p.limit, p.cursor.as_deref())
            .await?)
    }

    /// A project the caller may read.
    pub async fn get_project(&self, id: &str) -> AppResult<Project> {
        self.project(id, ProjectAction::Read).await
    }

    /// A task the caller may read.
    pub async fn get_task(&self, id: &str) -> AppResult<Task> {
        self.task(id, ProjectAction::Read).await
    }

    /// A dependency the caller may read.
    pub async fn get_dependency(&self, id: &str) -> AppResult<Dependency> {
        self.dependency(id, ProjectAction::Read).await
    }

    /// An assignment the caller may read.
    pub async fn get_assignment(&self, id: &str) -> AppResult<Assignment> {
        self.assignment(id, ProjectAction::Read).await
    }

    /// The task if the caller may act on its project that way.
    pub async fn task(&self, id: &str, action: ProjectAction) -> AppResult<Task> {
        let t = self
            .store()
            .get_task(id)
            .await?
            .ok_or_else(AppError::not_found)?;
        self.project(&t.project_id, action).await?;
        Ok(t)
    }

    pub async fn create_task(&self, project_id: &str, input: TaskInput) -> AppResult<Task> {
        self.project(project_id, ProjectAction::Edit).await?;
        let n = v(input.validate())?;
        let max = self.app.limits.max_tasks_per_project;
        if self.store().task_count(project_id).await? >= max as i64 {
            return Err(AppError::field(
                "project_id",
                "too_many_tasks",
                format!(
                    "the project already has {max} tasks, the most this server accepts \
                     (limits.max_tasks_per_project)"
                ),
            ));
        }
        Ok(self
            .store()
            .create_task(&self.caller.actor(), project_id, &n)
            .await?)
    }

    pub async fn update_task(
        &self,
        id: &str,
        version: Option<i64>,
        patch: Value,
    ) -> AppResult<Task> {
        let cur = self.task(id, ProjectAction::Edit).await?;
        let expected = check_version(version, cur.version)?;
        let n = v(patched(&cur, patch)?.validate())?;
        Ok(self
            .store()
            .update_task(&self.caller.actor(), id, expected, &n)
            .await?)
    }

    pub async fn delete_task(&self, id: &str, version: Option<i64>) -> AppResult<()> {
        let cur = self.task(id, ProjectAction::Edit).await?;
        let expected = check_version(version, cur.version)?;
        Ok(self
            .store()
            .delete_task(&self.caller.actor(), id, expected)
            .await?)
    }

    /// Moves a task in the WBS (indent, outdent, up, down, or to a parent and index), in one
    /// transaction; the caller may edit the project and read the task at `version`.
    pub async fn move_task(
        &self,
        id: &str,
        version: Option<i64>,
        mv: &pso_domain::plan::WbsMove,
    ) -> AppResult<Task> {
        let cur = self.task(id, ProjectAction::Edit).await?;
        let expected = check_version(version, cur.version)?;
        Ok(self
            .store()
            .move_task(&self.caller.actor(), id, expected, mv)
            .await?)
    }

    // ------------------------------------------------------------ dependencies

    pub async fn list_dependencies(
        &self,
        project_id: &str,
        p: &Paging,
    ) -> AppResult<Page<Dependency>> {
        self.project(project_id, ProjectAction::Read).await?;
        Ok(self
            .store()
            .list_dependencies(project_id, p.limit, p.cursor.as_deref())
            .await?)
    }

    pub async fn dependency(&self, id: &str, action: ProjectAction) -> AppResult<Dependency> {
        let d = self
            .store()
            .get_dependency(id)
            .await?
            .ok_or_else(AppError::not_found)?;
        self.project(&d.project_id, action).await?;
        Ok(d)
    }

    pub async fn create_dependency(
        &self,
        project_id: &str,
        input: DependencyInput,
    ) -> AppResult<Dependency> {
        self.project(project_id, ProjectAction::Edit).await?;
        let n = v(input.validate())?;
        Ok(self
            .store()
            .create_dependency(&self.caller.actor(), project_id, &n)
            .await?)
    }

    pub async fn update_dependency(
        &self,
        id: &str,
        version: Option<i64>,
        patch: Value,
    ) -> AppResult<Dependency> {
        let cur = self.dependency(id, ProjectAction::Edit).await?;
        let expected = check_version(version, cur.version)?;
        let n = v(patched(&cur, patch)?.validate())?;
        Ok(self
            .store()
            .update_dependency(&self.caller.actor(), id, expected, &n)
            .await?)
    }

    pub async fn delete_dependency(&self, id: &str, version: Option<i64>) -> AppResult<()> {
        let cur = self.dependency(id, ProjectAction::Edit).await?;
        let expected = check_version(version, cur.version)?;
        Ok(self
            .store()
            .delete_dependency(&self.caller.actor(), id, expected)
            .await?)
    }

    // ------------------------------------------------------------ assignments

    pub async fn list_assignments(&self, task_id: &str) -> AppResult<Vec<Assignment>> {
        self.task(task_id, ProjectAction::Read).await?;
        Ok(self.store().list_assignments(task_id).await?)
    }

    pub async fn assignment(&self, id: &str, action: ProjectAction) -> AppResult<Assignment> {
        let a = self
            .store()
            .get_assignment(id)
            .await?
            .ok_or_else(AppError::not_found)?;
        self.project(&a.project_id, action).await?;
        Ok(a)
    }

    async fn check_person(&self, person_id: &str) -> AppResult<()> {
        if self.store().get_person(person_id).await?.is_none() {
            return Err(AppError::field(
                "person_id",
                "unknown_reference",
                format!("person '{person_id}' does not exist"),
            ));
        }
        Ok(())
    }

    pub async fn create_assignment(
        &self,
        task_id: &str,
        input: AssignmentInput,
    ) -> AppResult<Assignment> {
        let task = self.task(task_id, ProjectAction::Edit).await?;
        let n = v(input.validate())?;
        self.check_person(&n.person_id).await?;
        Ok(self
            .store()
            .create_assignment(&self.caller.actor(), &task, &n)
            .await?)
    }

    pub async fn update_assignment(
        &self,
        id: &str,
        version: Option<i64>,
        patch: Value,
    ) -> AppResult<Assignment> {
        let cur = self.assignment(id, ProjectAction::Edit).await?;
        let expected = check_version(version, cur.version)?;
        let n = v(patched(&cur, patch)?.validate())?;
        self.check_person(&n.person_id).await?;
        Ok(self
            .store()
            .update_assignment(&self.caller.actor(), id, expected, &n)
            .await?)
    }

    pub async fn delete_assignment(&self, id: &str, version: Option<i64>) -> AppResult<()> {
        let cur = self.assignment(id, ProjectAction::Edit).await?;
        let expected = check_version(version, cur.version)?;
        Ok(self
            .store()
            .delete_assignment(&self.caller.actor(), id, expected)
            .await?)
    }

    // ------------------------------------------------------------ audit

    /// The audit trail of one object, if the caller may see the object.
    pub async fn audit_for_entity(
        &self,
        entity_type: &str,
        entity_id: &str,
        p: &Paging,
    ) -> AppResult<Page<AuditEvent>> {
        let page = self
            .store()
            .audit_for_entity(entity_type, entity_id, p.limit, p.cursor.as_deref())
            .await?;
        let who = &self.caller.principal;
        let allowed = match entity_type {
            "business_unit" | "site" | "person" => true,
            "user" | "api_token" => who.can_manage_users(),
            // A sheet's history: for those who write it (the person, their site's PSO).
            "timesheet" => {
                let person_id = entity_id.split('/').next().unwrap_or_default();
                match self.store().get_person(person_id).await? {
                    Some(p) => {
                        let own = self.caller.user.person_id.as_deref() == Some(p.id.as_str());
                        who.can_write_timesheet(own, &p.site_id.as_str().into())
                    }
                    None => who.is_admin(),
                }
            }
            "project" | "task" | "dependency" | "assignment" | "schedule_run" | "baseline" => {
                let project_id = page
                    .items
                    .iter()
                    .find_map(|e| e.project_id.clone())
                    .unwrap_or_default();
                match self.store().get_project(&project_id).await? {
                    Some(p) => {
                        let r = self.project_ref(&p).await?;
                        who.can_project(ProjectAction::Read, &r)
                    }
                    // The project is gone: its history is for those who see everything.
                    None => who.project_scope(ProjectAction::Read).all,
                }
            }
            _ => {
                return Err(AppError::field(
                    "entity_type",
                    "unknown_entity_type",
                    "entity_type is one of business_unit, site, person, user, api_token, \
                     project, task, dependency, assignment, schedule_run, baseline, timesheet",
                ))
            }
        };
        if !allowed {
            return Err(AppError::not_found());
        }
        Ok(page)
    }

    /// The audit trail of a project and everything in it, newest first.
    pub async fn audit_for_project(
        &self,
        project_id: &str,
        p: &Paging,
    ) -> AppResult<Page<AuditEvent>> {
        self.project(project_id, ProjectAction::Read).await?;
        Ok(self
            .store()
            .audit_for_project(project_id, p.limit, p.cursor.as_deref())
            .await?)
    }
}

/// `If-Match` rules: missing → 428, stale → 412.
pub fn check_version(presented: Option<i64>, current: i64) -> AppResult<i64> {
    match presented {
        None => Err(AppError::new(
            ErrorKind::PreconditionRequired,
            "precondition_required",
            "send If-Match with the ETag you read, so no change is lost",
        )),
        Some(v) if v != current => Err(AppError::stale(current)),
        Some(v) => Ok(v),
    }
}
