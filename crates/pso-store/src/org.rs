//! Organisation: business units, sites, people, users.

use crate::{
    audit, check_versioned, fetch, json_col, map_write_err, new_id, now, page, to_json, Actor,
    Page, Result, Store, StoreError,
};
use pso_domain::model::{
    BusinessUnit, Entity, NewBusinessUnit, NewPerson, NewSite, NewUser, Person, Site, User,
};
use sqlx::any::AnyRow;
use sqlx::Row;

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
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn user_from_row(r: &AnyRow) -> Result<User> {
    Ok(User {
        id: r.try_get("id")?,
        version: r.try_get("version")?,
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        person_id: r.try_get("person_id")?,
        grants: json_col(r, "grants")?,
        disabled: r.try_get::<i64, _>("disabled")? != 0,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
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

/// The code of a person's site (for the permission rules on people).
pub async fn person_site_code(store: &Store, person_id: &str) -> Result<Option<String>> {
    let r = sqlx::query(
        "SELECT s.code AS code FROM people p JOIN sites s ON s.id = p.site_id WHERE p.id = $1",
    )
    .bind(person_id)
    .fetch_optional(store.pool())
    .await?;
    Ok(match r {
        Some(r) => Some(r.try_get("code")?),
        None => None,
    })
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

    /// Deletes `id` from `table` if its version is `expected`, with the audit event.
    async fn delete_row<T: Entity>(
        &self,
        actor: &Actor,
        table: &str,
        id: &str,
        expected: i64,
        f: fn(&AnyRow) -> Result<T>,
        project_id: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let before = fetch(&mut tx, table, id, f).await?;
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
            project_id,
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
        self.delete_row::<BusinessUnit>(actor, "business_units", id, expected, bu_from_row, None)
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
        self.delete_row::<Site>(actor, "sites", id, expected, site_from_row, None)
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

    pub async fn get_person(&self, id: &str) -> Result<Option<Person>> {
        self.get_table("people", id, person_from_row).await
    }

    pub async fn create_person(&self, actor: &Actor, v: &NewPerson) -> Result<Person> {
        let mut tx = self.begin_write().await?;
        let id = new_id();
        let t = now();
        sqlx::query(
            "INSERT INTO people (id, version, name, email, site_id, skills, created_at, \
             updated_at) VALUES ($1, 1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(&id)
        .bind(v.name.as_str())
        .bind(v.email.as_ref().map(|e| e.to_string()))
        .bind(&v.site_id)
        .bind(to_json(&v.skills)?)
        .bind(&t)
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
             skills = $6, updated_at = $7 WHERE id = $1 AND version = $2",
        )
        .bind(id)
        .bind(expected)
        .bind(v.name.as_str())
        .bind(v.email.as_ref().map(|e| e.to_string()))
        .bind(&v.site_id)
        .bind(to_json(&v.skills)?)
        .bind(now())
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
        self.list_table("users", limit, cursor, user_from_row).await
    }

    pub async fn get_user(&self, id: &str) -> Result<Option<User>> {
        self.get_table("users", id, user_from_row).await
    }

    /// The user with this e-mail and their password hash (if they have one).
    pub async fn user_by_email(&self, email: &str) -> Result<Option<(User, Option<String>)>> {
        let r = sqlx::query("SELECT * FROM users WHERE email = $1")
            .bind(email.trim().to_lowercase())
            .fetch_optional(self.pool())
            .await?;
        match r {
            Some(r) => Ok(Some((user_from_row(&r)?, r.try_get("password_hash")?))),
            None => Ok(None),
        }
    }

    /// Creates a user; `password_hash` is the argon2id PHC string (hashing is the caller's).
    pub async fn create_user(
        &self,
        actor: &Actor,
        v: &NewUser,
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
        .bind(to_json(&v.grants)?)
        .bind(v.disabled as i64)
        .bind(password_hash.map(str::to_string))
        .bind(&t)
        .execute(&mut *tx)
        .await
        .map_err(|e| map_write_err(e, "email", "a user with this e-mail"))?;
        let after = fetch(&mut tx, "users", &id, user_from_row).await?;
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

    /// Updates a user; a new `password_hash` replaces the old one and ends their sessions.
    pub async fn update_user(
        &self,
        actor: &Actor,
        id: &str,
        expected: i64,
        v: &NewUser,
        password_hash: Option<&str>,
    ) -> Result<User> {
        let mut tx = self.begin_write().await?;
        let before = fetch(&mut tx, "users", id, user_from_row).await?;
        let res = sqlx::query(
            "UPDATE users SET version = version + 1, email = $3, name = $4, person_id = $5, \
             grants = $6, disabled = $7, password_hash = COALESCE($8, password_hash), \
             updated_at = $9 WHERE id = $1 AND version = $2",
        )
        .bind(id)
        .bind(expected)
        .bind(v.email.as_str())
        .bind(v.name.as_str())
        .bind(v.person_id.clone())
        .bind(to_json(&v.grants)?)
        .bind(v.disabled as i64)
        .bind(password_hash.map(str::to_string))
        .bind(now())
        .execute(&mut *tx)
        .await
        .map_err(|e| map_write_err(e, "email", "a user with this e-mail"))?;
        check_versioned(&mut tx, "users", id, res.rows_affected()).await?;
        if password_hash.is_some() || v.disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        let after = fetch(&mut tx, "users", id, user_from_row).await?;
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
        self.delete_row::<User>(actor, "users", id, expected, user_from_row, None)
            .await
    }
}
