-- +goose Up
-- True levels. level is now the level the platform's machinery supports
-- (catalog.TrueLevel: inquiries that exist, an active ruleset, an active
-- life-event subscription); declared is the level the record declares, and
-- level_why (a JSON array of reasons, {"fa","en"}) says why level is lower.
-- No ruleset exists when this runs, so nothing is above L2 yet;
-- catalog.Recompute checks the inquiries at start-up.
ALTER TABLE catalog_services ADD COLUMN declared INTEGER NOT NULL DEFAULT 0;
ALTER TABLE catalog_services ADD COLUMN level_why TEXT NOT NULL DEFAULT '[]';
UPDATE catalog_services SET declared = level;
UPDATE catalog_services SET level = 2,
    level_why = '[{"fa":"هنوز هیچ مجموعه‌قاعدهٔ فعالی دربارهٔ درخواست‌های این خدمت تصمیم نمی‌گیرد.","en":"no active ruleset decides this service yet"}]'
    WHERE declared > 2;

-- +goose Down
ALTER TABLE catalog_services DROP COLUMN level_why;
ALTER TABLE catalog_services DROP COLUMN declared;
