//! Organisation: business units, sites, people, users.

use crate::{
    audit, check_versioned, fetch, json_col, map_write_err, new_id, now, page, to_json, Actor,
    Page, Result, Store, StoreError,
};
use pso_domain::access::{AccessGrant, Role, Scope, ScopeId, UserGrant};
use pso_domain::model::{
    BusinessUnit, Entity, NewBusinessUnit, NewPerson, NewSite, NewUser, Person, Site, User,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

fn bu_from_row(r: &AnyRow) -> Result<BusinessUnit> {
    Ok(BusinessUnit {
        id: r.try_get("id")?,
        version: r.try_get("version")?,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        parent_id: r.try_get("parent_id")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn site_from_row(r: &AnyRow) -> Result<Site> {
    Ok(Site {
        id: r.try_get("id")?,
        version: r.try_get("version")?,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        country: r.try_get("country")?,
        time_zone: r.try_get("time_zone")?,
        currency: r.try_get("currency")?,
        working_week: json_col(r, "working_week")?,
        working_hours: json_col(r, "working_hours")?,
        holidays: json_col(r, "holidays")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn person_from_row(r: &AnyRow) -> Result<Person> {
    Ok(Person {
        id: r.try_get("id")?,
        version: r.try_get("version")?,
        name: r.try_get("name")?,
        email: r.try_get("email")?,
        site_id: r.try_get("site_id")?,
        skills: json_col(r, "skills")?,
        manager_id: r.try_get("manager_id")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// A user row without its grants (see [`load_user`] and [`with_grants`]).
fn user_from_row(r: &AnyRow) -> Result<User> {
    Ok(User {
        id: r.try_get("id")?,
        version: r.try_get("version")?,
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        person_id: r.try_get("person_id")?,
        grants: Vec::new(),
        disabled: r.try_get::<i64, _>("disabled")? != 0,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// The grants of these users with each scope's current code, by user id.
const GRANTS_SQL: &str = "SELECT g.user_id, g.role, g.scope_kind, g.site_id, \
     g.business_unit_id, g.project_id, s.code AS site_code, b.code AS unit_code, \
     p.code AS project_code FROM user_grants g LEFT JOIN sites s ON s.id = g.site_id \
     LEFT JOIN business_units b ON b.id = g.business_unit_id \
     LEFT JOIN projects p ON p.id = g.project_id";

fn grant_from_row(r: &AnyRow) -> Result<(String, UserGrant)> {
    let role: String = r.try_get("role")?;
    let role = Role::parse(&role).ok_or_else(|| crate::corrupt("user_grants.role", &role))?;
    let kind: String = r.try_get("scope_kind")?;
    let id_code = |id: &str, code: &str| -> Result<(String, String)> {
        let i: Option<String> = r.try_get(id)?;
        let c: Option<String> = r.try_get(code)?;
        match (i, c) {
            (Some(i), Some(c)) => Ok((i, c)),
            _ => Err(crate::corrupt(
                "user_grants",
                "grant without its scope object",
            )),
        }
    };
    let (scope, scope_id) = match kind.as_str() {
        "global" => (Scope::Global, None),
        "site" => {
            let (i, c) = id_code("site_id", "site_code")?;
            (Scope::Site(c), Some(i))
        }
        "business_unit" => {
            let (i, c) = id_code("business_unit_id", "unit_code")?;
            (Scope::BusinessUnit(c), Some(i))
        }
        "project" => {
            let (i, c) = id_code("project_id", "project_code")?;
            (Scope::Project(c), Some(i))
        }
        other => return Err(crate::corrupt("user_grants.scope_kind", other)),
    };
    Ok((
        r.try_get("user_id")?,
        UserGrant {
            role,
            scope,
            scope_id,
        },
    ))
}

/// Fills in the grants of `users` (one query per chunk of users).
async fn with_grants(c: &mut AnyConnection, mut users: Vec<User>) -> Result<Vec<User>> {
    let ids: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
    for chunk in ids.chunks(500) {
        if chunk.is_empty() {
            continue;
        }
        let ph: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "{GRANTS_SQL} WHERE g.user_id IN ({}) ORDER BY g.user_id, g.id",
            ph.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(id.clone());
        }
        for r in q.fetch_all(&mut *c).await? {
            let (uid, g) = grant_from_row(&r)?;
            if let Some(u) = users.iter_mut().find(|u| u.id == uid) {
                u.grants.push(g);
            }
        }
    }
    for u in &mut users {
        u.grants.sort();
    }
    Ok(users)
}

/// One user with their grants.
async fn load_user(c: &mut AnyConnection, id: &str) -> Result<User> {
    let u = fetch(&mut *c, "users", id, user_from_row).await?;
    let mut v = with_grants(c, vec![u]).await?;
    v.pop().ok_or(StoreError::NotFound)
}

/// Replaces a user's grants.
async fn write_grants(c: &mut AnyConnection, user_id: &str, grants: &[AccessGrant]) -> Result<()> {
    sqlx::query("DELETE FROM user_grants WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *c)
        .await?;
    let mut seen = std::collections::BTreeSet::new();
    for g in grants {
        if !seen.insert(g) {
            continue;
        }
        let (site, unit, project) = match &g.scope {
            ScopeId::Global => (None, None, None),
            ScopeId::Site(i) => (Some(i.to_string()), None, None),
            ScopeId::BusinessUnit(i) => (None, Some(i.to_string()), None),
            ScopeId::Project(i) => (None, None, Some(i.to_string())),
        };
        sqlx::query(
            "INSERT INTO user_grants (id, user_id, role, scope_kind, site_id, business_unit_id, \
             project_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new_id())
        .bind(user_id)
        .bind(g.role.as_str())
        .bind(g.scope.kind())
        .bind(site)
        .bind(unit)
        .bind(project)
        .bind(now())
        .execute(&mut *c)
        .await
        .map_err(|e| map_write_err(e, "grants", "this grant"))?;
    }
    Ok(())
}

/// Deletes every grant on a site, unit or project that is being deleted, inside its
/// transaction, with an update event on each user who held one.
pub(crate) async fn drop_grants_on(
    c: &mut AnyConnection,
    actor: &Actor,
    column: &str,
    id: &str,
) -> Result<()> {
    let rows = sqlx::query(&format!(
        "SELECT DISTINCT user_id FROM user_grants WHERE {column} = $1 ORDER BY user_id"
    ))
    .bind(id)
    .fetch_all(&mut *c)
    .await?;
    for r in rows {
        let uid: String = r.try_get("user_id")?;
        let before = load_user(c, &uid).await?;
        sqlx::query(&format!(
            "DELETE FROM user_grants WHERE user_id = $1 AND {column} = $2"
        ))
        .bind(&uid)
        .bind(id)
        .execute(&mut *c)
        .await?;
        sqlx::query("UPDATE users SET version = version + 1, updated_at = $2 WHERE id = $1")
            .bind(&uid)
            .bind(now())
            .execute(&mut *c)
            .await?;
        let after = load_user(c, &uid).await?;
        audit(
            c,
            actor,
            "update",
            User::KIND,
            &uid,
            None,
            Some(&before),
            Some(&after),
        )
        .await?;
    }
    Ok(())
}

/// A delete that other objects still refer to is a conflict, not a failure.
fn map_delete_err(e: sqlx::Error, what: &str) -> StoreError {
    if let Some(db) = e.as_database_error() {
        if db.is_foreign_key_violation() {
            return StoreError::Conflict {
                field: "id".into(),
                message: format!("{what} is still referred to by other objects"),
            };
        }
    }
    StoreError::Internal(e)
}

impl Store {
    async fn list_table<T>(
        &self,
        table: &str,
        limit: i64,
        cursor: Option<&str>,
        f: fn(&AnyRow) -> Result<T>,
    ) -> Result<Page<T>> {
        let rows = sqlx::query(&format!(
            "SELECT * FROM {table} WHERE id > $1 ORDER BY id LIMIT $2"
        ))
        .bind(cursor.unwrap_or(""))
        .bind(limit + 1)
        .fetch_all(self.pool())
        .await?;
        page(rows, limit, f)
    }

    /// Deletes `id` from `table` if its version is `expected`, with the audit event; grants on
    /// the object (named by `grant_column` of `user_grants`) go first.
    async fn delete_row<T: Entity>(
        &self,
        actor: &Actor,
        table: &str,
        id: &str,
        expected: i64,
        f: fn(&AnyRow) -> Result<T>,
        grant_column: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let before = fetch(&mut tx, table, id, f).await?;
        if before.version() != expected {
            return Err(StoreError::Stale {
                current: before.version(),
            });
        }
        if let Some(col) = grant_column {
            drop_grants_on(&mut tx, actor, col, id).await?;
        }
        let res = sqlx::query(&format!(
            "DELETE FROM {table} WHERE id = $1 AND version = $2"
        ))
        .bind(id)
        .bind(expected)
        .execute(&mut *tx)
        .await
        .map_err(|e| map_delete_err(e, T::KIND))?;
        check_versioned(&mut tx, table, id, res.rows_affected()).await?;
        audit(
            &mut tx,
            actor,
            "delete",
            T::KIND,
            id,
            None,
            Some(&before),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ------------------------------------------------------------ business units

    pub async fn list_business_units(
        &self,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<Page<BusinessUnit>> {
        self.list_table("business_units", limit, cursor, bu_from_row)
            .await
    }

    /// All business units (a small table), for scope resolution and forms.
    pub async fn all_business_units(&self) -> Result<Vec<BusinessUnit>> {
        let rows = sqlx::query("SELECT * FROM business_units ORDER BY code")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(bu_from_row).collect()
    }

    pub async fn get_business_unit(&self, id: &str) -> Result<Option<BusinessUnit>> {
        self.get_table("business_units", id, bu_from_row).await
    }

    pub async fn create_business_unit(
        &self,
        actor: &Actor,
        v: &NewBusinessUnit,
    ) -> Result<BusinessUnit> {
        let mut tx = self.begin_write().await?;
        let id = new_id();
        let t = now();
        sqlx::query(
            "INSERT INTO business_units (id, version, code, name, parent_id, created_at, \
             updated_at) VALUES ($1, 1, $2, $3, $4, $5, $5)",
        )
        .bind(&id)
        .bind(v.code.as_str())
        .bind(v.name.as_str())
        .bind(v.parent_id.clone())
        .bind(&t)
        .execute(&mut *tx)
        .await
        .map_err(|e| map_write_err(e, "code", "a business unit with this code"))?;
        let after = fetch(&mut tx, "business_units", &id, bu_from_row).await?;
        audit(
            &mut tx,
            actor,
            "create",
            BusinessUnit::KIND,
            &id,
            None,
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn update_business_unit(
        &self,
        actor: &Actor,
        id: &str,
        expected: i64,
        v: &NewBusinessUnit,
    ) -> Result<BusinessUnit> {
        let mut tx = self.begin_write().await?;
        let before = fetch(&mut tx, "business_units", id, bu_from_row).await?;
        let res = sqlx::query(
            "UPDATE business_units SET version = version + 1, code = $3, name = $4, \
             parent_id = $5, updated_at = $6 WHERE id = $1 AND version = $2",
        )
        .bind(id)
        .bind(expected)
        .bind(v.code.as_str())
        .bind(v.name.as_str())
        .bind(v.parent_id.clone())
        .bind(now())
        .execute(&mut *tx)
        .await
        .map_err(|e| map_write_err(e, "code", "a business unit with this code"))?;
        check_versioned(&mut tx, "business_units", id, res.rows_affected()).await?;
        let after = fetch(&mut tx, "business_units", id, bu_from_row).await?;
        audit(
            &mut tx,
            actor,
            "update",
            BusinessUnit::KIND,
            id,
            None,
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn delete_business_unit(&self, actor: &Actor, id: &str, expected: i64) -> Result<()> {
        self.delete_row::<BusinessUnit>(
            actor,
            "business_units",
            id,
            expected,
            bu_from_row,
            Some("business_unit_id"),
        )
        .await
    }

    // ------------------------------------------------------------ sites

    pub async fn list_sites(&self, limit: i64, cursor: Option<&str>) -> Result<Page<Site>> {
        self.list_table("sites", limit, cursor, site_from_row).await
    }

    /// All sites (a small table), for scope resolution and forms.
    pub async fn all_sites(&self) -> Result<Vec<Site>> {
        let rows = sqlx::query("SELECT * FROM sites ORDER BY code")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(site_from_row).collect()
    }

    pub async fn get_site(&self, id: &str) -> Result<Option<Site>> {
        self.get_table("sites", id, site_from_row).await
    }

    pub async fn create_site(&self, actor: &Actor, v: &NewSite) -> Result<Site> {
        let mut tx = self.begin_write().await?;
        let id = new_id();
        let t = now();
        sqlx::query(
            "INSERT INTO sites (id, version, code, name, country, time_zone, currency, \
             working_week, working_hours, holidays, created_at, updated_at) \
             VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
        )
        .bind(&id)
        .bind(v.code.as_str())
        .bind(v.name.as_str())
        .bind(v.country.as_str())
        .bind(v.time_zone.as_str())
        .bind(v.currency.as_str())
        .bind(to_json(&v.working_week)?)
        .bind(to_json(&v.working_hours)?)
        .bind(to_json(&v.holidays)?)
        .bind(&t)
        .execute(&mut *tx)
        .await
        .map_err(|e| map_write_err(e, "code", "a site with this code"))?;
        let after = fetch(&mut tx, "sites", &id, site_from_row).await?;
        audit(
            &mut tx,
            actor,
            "create",
            Site::KIND,
            &id,
            None,
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn update_site(
        &self,
        actor: &Actor,
        id: &str,
        expected: i64,
        v: &NewSite,
    ) -> Result<Site> {
        let mut tx = self.begin_write().await?;
        let before = fetch(&mut tx, "sites", id, site_from_row).await?;
        let res = sqlx::query(
            "UPDATE sites SET version = version + 1, code = $3, name = $4, country = $5, \
             time_zone = $6, currency = $7, working_week = $8, working_hours = $9, \
             holidays = $10, updated_at = $11 WHERE id = $1 AND version = $2",
        )
        .bind(id)
        .bind(expected)
        .bind(v.code.as_str())
        .bind(v.name.as_str())
        .bind(v.country.as_str())
        .bind(v.time_zone.as_str())
        .bind(v.currency.as_str())
        .bind(to_json(&v.working_week)?)
        .bind(to_json(&v.working_hours)?)
        .bind(to_json(&v.holidays)?)
        .bind(now())
        .execute(&mut *tx)
        .await
        .map_err(|e| map_write_err(e, "code", "a site with this code"))?;
        check_versioned(&mut tx, "sites", id, res.rows_affected()).await?;
        let after = fetch(&mut tx, "sites", id, site_from_row).await?;
        audit(
            &mut tx,
            actor,
            "update",
            Site::KIND,
            id,
            None,
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn delete_site(&self, actor: &Actor, id: &str, expected: i64) -> Result<()> {
        self.delete_row::<Site>(actor, "sites", id, expected, site_from_row, Some("site_id"))
            .await
    }

    // ------------------------------------------------------------ people

    /// People, optionally of one site, ordered by id.
    pub async fn list_people(
        &self,
        site_id: Option<&str>,
        q: Option<&str>,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<Page<Person>> {
        let pattern = q.map(crate::contains_pattern);
        let rows = sqlx::query(
            "SELECT * FROM people WHERE id > $1 AND ($2 = '' OR site_id = $2) \
             AND ($3 = '' OR LOWER(name) LIKE $3 ESCAPE '\\' \
             OR LOWER(COALESCE(email, '')) LIKE $3 ESCAPE '\\') \
             ORDER BY id LIMIT $4",
        )
        .bind(cursor.unwrap_or(""))
        .bind(site_id.unwrap_or(""))
        .bind(pattern.unwrap_or_default())
        .bind(limit + 1)
        .fetch_all(self.pool())
        .await?;
        page(rows, limit, person_from_row)
    }

    /// The first `limit` people by name matching `q` (name or e-mail, any case), and how many
    /// people there are in all: what a person picker shows.
    pub async fn people_for_picker(&self, q: &str, limit: i64) -> Result<(Vec<Person>, i64)> {
        let pattern = if q.trim().is_empty() {
            String::new()
        } else {
            crate::contains_pattern(q.trim())
        };
        let rows = sqlx::query(
            "SELECT * FROM people WHERE ($1 = '' OR LOWER(name) LIKE $1 ESCAPE '\\' \
             OR LOWER(COALESCE(email, '')) LIKE $1 ESCAPE '\\') ORDER BY name, id LIMIT $2",
        )
        .bind(&pattern)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM people")
            .fetch_one(self.pool())
            .await?
            .try_get("n")?;
        Ok((
            rows.iter().map(person_from_row).collect::<Result<_>>()?,
            total,
        ))
    }

    /// The people with these ids (batched; unknown ids are left out).
    pub async fn people_by_ids(&self, ids: &[String]) -> Result<Vec<Person>> {
        self.select_in("people", "id", ids, "id", person_from_row)
            .await
    }

    pub async fn get_person(&self, id: &str) -> Result<Option<Person>> {
        self.get_table("people", id, person_from_row).await
    }

    pub async fn create_person(&self, actor: &Actor, v: &NewPerson) -> Result<Person> {
        let mut tx = self.begin_write().await?;
        let id = new_id();
        let t = now();
        sqlx::query(
            "INSERT INTO people (id, version, name, email, site_id, skills, created_at, \
             updated_at, manager_id) VALUES ($1, 1, $2, $3, $4, $5, $6, $6, $7)",
        )
        .bind(&id)
        .bind(v.name.as_str())
        .bind(v.email.as_ref().map(|e| e.to_string()))
        .bind(&v.site_id)
        .bind(to_json(&v.skills)?)
        .bind(&t)
        .bind(v.manager_id.clone())
        .execute(&mut *tx)
        .await
        .map_err(|e| map_write_err(e, "email", "a person with this e-mail"))?;
        let after = fetch(&mut tx, "people", &id, person_from_row).await?;
        audit(
            &mut tx,
            actor,
            "create",
            Person::KIND,
            &id,
            None,
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn update_person(
        &self,
        actor: &Actor,
        id: &str,
        expected: i64,
        v: &NewPerson,
    ) -> Result<Person> {
        let mut tx = self.begin_write().await?;
        let before = fetch(&mut tx, "people", id, person_from_row).await?;
        let res = sqlx::query(
            "UPDATE people SET version = version + 1, name = $3, email = $4, site_id = $5, \
             skills = $6, updated_at = $7, manager_id = $8 WHERE id = $1 AND version = $2",
        )
        .bind(id)
        .bind(expected)
        .bind(v.name.as_str())
        .bind(v.email.as_ref().map(|e| e.to_string()))
        .bind(&v.site_id)
        .bind(to_json(&v.skills)?)
        .bind(now())
        .bind(v.manager_id.clone())
        .execute(&mut *tx)
        .await
        .map_err(|e| map_write_err(e, "email", "a person with this e-mail"))?;
        check_versioned(&mut tx, "people", id, res.rows_affected()).await?;
        let after = fetch(&mut tx, "people", id, person_from_row).await?;
        audit(
            &mut tx,
            actor,
            "update",
            Person::KIND,
            id,
            None,
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn delete_person(&self, actor: &Actor, id: &str, expected: i64) -> Result<()> {
        self.delete_row::<Person>(actor, "people", id, expected, person_from_row, None)
            .await
    }

    // ------------------------------------------------------------ users

    pub async fn list_users(&self, limit: i64, cursor: Option<&str>) -> Result<Page<User>> {
        let p = self
            .list_table("users", limit, cursor, user_from_row)
            .await?;
        let mut c = self.pool().acquire().await?;
        Ok(Page {
            items: with_grants(&mut c, p.items).await?,
            next_cursor: p.next_cursor,
        })
    }

    pub async fn get_user(&self, id: &str) -> Result<Option<User>> {
        let mut c = self.pool().acquire().await?;
        match load_user(&mut c, id).await {
            Ok(u) => Ok(Some(u)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The owner of a live (unrevoked) API token with this hash, with their grants, in one
    /// read of the token and the user together; notes the token's use at most once a minute
    /// (so that reads do not become writes).
    pub async fn token_owner(&self, hash: &str) -> Result<Option<User>> {
        let mut c = self.pool().acquire().await?;
        let r = sqlx::query(
            "SELECT u.*, t.id AS token_id, t.last_used_at AS token_last_used_at \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        )
        .bind(hash)
        .fetch_optional(&mut *c)
        .await?;
        let Some(r) = r else { return Ok(None) };
        let last: Option<String> = r.try_get("token_last_used_at")?;
        let stale = last
            .and_then(|l| chrono::DateTime::parse_from_rfc3339(&l).ok())
            .map(|l| chrono::Utc::now().signed_duration_since(l).num_seconds() > 60)
            .unwrap_or(true);
        let token_id: String = r.try_get("token_id")?;
        let user = with_grants(&mut c, vec![user_from_row(&r)?]).await?.pop();
        drop(c);
        if stale {
            self.write(
                sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                    .bind(now())
                    .bind(token_id),
            )
            .await?;
        }
        Ok(user)
    }

    /// The user with this e-mail and their password hash (if they have one).
    pub async fn user_by_email(&self, email: &str) -> Result<Option<(User, Option<String>)>> {
        let mut c = self.pool().acquire().await?;
        let r = sqlx::query("SELECT * FROM users WHERE email = $1")
            .bind(email.trim().to_lowercase())
            .fetch_optional(&mut *c)
            .await?;
        match r {
            Some(r) => {
                let hash = r.try_get("password_hash")?;
                let mut v = with_grants(&mut c, vec![user_from_row(&r)?]).await?;
                Ok(v.pop().map(|u| (u, hash)))
            }
            None => Ok(None),
        }
    }

    /// Creates a user with `grants` (resolved to ids by the caller); `password_hash` is the
    /// argon2id PHC string (hashing is the caller's).
    pub async fn create_user(
        &self,
        actor: &Actor,
        v: &NewUser,
        grants: &[AccessGrant],
        password_hash: Option<&str>,
    ) -> Result<User> {
        let mut tx = self.begin_write().await?;
        let id = new_id();
        let t = now();
        sqlx::query(
            "INSERT INTO users (id, version, email, name, person_id, grants, disabled, \
             password_hash, created_at, updated_at) VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(&id)
        .bind(v.email.as_str())
        .bind(v.name.as_str())
        .bind(v.person_id.clone())
        .bind("[]")
        .bind(v.disabled as i64)
        .bind(password_hash.map(str::to_string))
        .bind(&t)
        .execute(&mut *tx)
        .await
        .map_err(|e| map_write_err(e, "email", "a user with this e-mail"))?;
        write_grants(&mut tx, &id, grants).await?;
        let after = load_user(&mut tx, &id).await?;
        audit(
            &mut tx,
            actor,
            "create",
            User::KIND,
            &id,
            None,
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Updates a user and replaces their grants (resolved to ids by the caller). A new
    /// `password_hash` replaces the old one; a new password or disabling the user ends their
    /// sessions and revokes their API tokens.
    pub async fn update_user(
        &self,
        actor: &Actor,
        id: &str,
        expected: i64,
        v: &NewUser,
        grants: &[AccessGrant],
        password_hash: Option<&str>,
    ) -> Result<User> {
        let mut tx = self.begin_write().await?;
        let before = load_user(&mut tx, id).await?;
        let res = sqlx::query(
            "UPDATE users SET version = version + 1, email = $3, name = $4, person_id = $5, \
             disabled = $6, password_hash = COALESCE($7, password_hash), \
             updated_at = $8 WHERE id = $1 AND version = $2",
        )
        .bind(id)
        .bind(expected)
        .bind(v.email.as_str())
        .bind(v.name.as_str())
        .bind(v.person_id.clone())
        .bind(v.disabled as i64)
        .bind(password_hash.map(str::to_string))
        .bind(now())
        .execute(&mut *tx)
        .await
        .map_err(|e| map_write_err(e, "email", "a user with this e-mail"))?;
        check_versioned(&mut tx, "users", id, res.rows_affected()).await?;
        write_grants(&mut tx, id, grants).await?;
        if password_hash.is_some() || v.disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
            )
            .bind(id)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        }
        let after = load_user(&mut tx, id).await?;
        audit(
            &mut tx,
            actor,
            "update",
            User::KIND,
            id,
            None,
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn delete_user(&self, actor: &Actor, id: &str, expected: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let before = load_user(&mut tx, id).await?;
        if before.version != expected {
            return Err(StoreError::Stale {
                current: before.version,
            });
        }
        let res = sqlx::query("DELETE FROM users WHERE id = $1 AND version = $2")
            .bind(id)
            .bind(expected)
            .execute(&mut *tx)
            .await
            .map_err(|e| map_delete_err(e, User::KIND))?;
        check_versioned(&mut tx, "users", id, res.rows_affected()).await?;
        audit(
            &mut tx,
            actor,
            "delete",
            User::KIND,
            id,
            None,
            Some(&before),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Converts grants kept by code in `users.grants` (before grants were stored by id) into
    /// rows, once. A code that names nothing any more grants nothing and is dropped; each user
    /// changed gets an audit event. Idempotent: converted users hold `[]`.
    pub(crate) async fn convert_legacy_grants(&self) -> Result<()> {
        let pending = sqlx::query("SELECT id, grants FROM users WHERE grants <> '[]' ORDER BY id")
            .fetch_all(self.pool())
            .await?;
        if pending.is_empty() {
            return Ok(());
        }
        let actor = Actor::system("migration");
        let mut tx = self.begin_write().await?;
        for r in pending {
            let uid: String = r.try_get("id")?;
            let legacy: Vec<pso_domain::access::Grant> = json_col(&r, "grants")?;
            let before = load_user(&mut tx, &uid).await?;
            let mut grants = Vec::new();
            let mut dropped = Vec::new();
            for g in legacy {
                let (table, code) = match &g.scope {
                    Scope::Global => {
                        grants.push(AccessGrant {
                            role: g.role,
                            scope: ScopeId::Global,
                        });
                        continue;
                    }
                    Scope::Site(c) => ("sites", c),
                    Scope::BusinessUnit(c) => ("business_units", c),
                    Scope::Project(c) => ("projects", c),
                };
                let found = sqlx::query(&format!("SELECT id FROM {table} WHERE code = $1"))
                    .bind(code)
                    .fetch_optional(&mut *tx)
                    .await?;
                match found {
                    Some(f) => {
                        let id: String = f.try_get("id")?;
                        grants.push(AccessGrant {
                            role: g.role,
                            scope: match &g.scope {
                                Scope::Site(_) => ScopeId::Site(id.into()),
                                Scope::BusinessUnit(_) => ScopeId::BusinessUnit(id.into()),
                                _ => ScopeId::Project(id.into()),
                            },
                        });
                    }
                    None => dropped.push(g.scope.to_string()),
                }
            }
            grants.extend(before.grants.iter().map(UserGrant::access));
            write_grants(&mut tx, &uid, &grants).await?;
            sqlx::query(
                "UPDATE users SET grants = '[]', version = version + 1, updated_at = $2 \
                 WHERE id = $1",
            )
            .bind(&uid)
            .bind(now())
            .execute(&mut *tx)
            .await?;
            if !dropped.is_empty() {
                tracing::warn!(user = %uid, ?dropped, "grants on codes that name nothing were dropped");
            }
            let after = load_user(&mut tx, &uid).await?;
            audit(
                &mut tx,
                &actor,
                "update",
                User::KIND,
                &uid,
                None,
                Some(&before),
                Some(&after),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
