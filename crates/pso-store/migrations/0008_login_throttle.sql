-- Sign-in throttling that cannot be raced: an attempt is counted (reserved) before its password
-- is checked, under a row lock per account and per client, so concurrent attempts see each
-- other. The rows of login_throttle exist only to be locked (UPDATE ... SET n = n + 1).
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    n BIGINT NOT NULL
);
CREATE INDEX login_failures_pair ON login_failures(account, client, at);
