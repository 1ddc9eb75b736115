-- Users of partner organizations and their API tokens. Passwords are
-- argon2id PHC strings; tokens are kept only as their SHA-256 (hex).
CREATE TABLE users (
    name           TEXT NOT NULL PRIMARY KEY,
    org            TEXT NOT NULL,
    role           TEXT NOT NULL,
    password_hash  TEXT
);

CREATE TABLE tokens (
    id          TEXT NOT NULL PRIMARY KEY,
    user_name   TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created     TEXT NOT NULL
);
CREATE INDEX tokens_user ON tokens (user_name);
