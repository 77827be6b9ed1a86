-- +goose Up
-- The language the client asked the provider's pages to speak (ui_locales).
ALTER TABLE identity_idp_auth_requests ADD COLUMN ui_locale TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE identity_idp_auth_requests DROP COLUMN ui_locale;
