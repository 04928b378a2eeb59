-- An upgrade or configuration change in progress on a deployment (Mode Manual), and what
-- it replaced, so that Rollback Update or Upgrade can restore it.
--
-- upgrade_mode is NULL when no upgrade is in progress (an Auto or Simultaneous change is
-- complete when accepted); otherwise 'Manual', with upgrade_walked the number of upgrade
-- domains walked so far (the next Walk Upgrade Domain must name that domain). The
-- previous_* columns hold the package, label, configuration, roles and cores the change
-- replaced; they mean something only while upgrade_mode is set.
--
-- Kept in lockstep with ../sqlite/0010_deployment_upgrades.sql.
ALTER TABLE deployments ADD COLUMN upgrade_mode TEXT;
ALTER TABLE deployments ADD COLUMN upgrade_walked BIGINT NOT NULL DEFAULT 0;
ALTER TABLE deployments ADD COLUMN previous_package_url TEXT;
ALTER TABLE deployments ADD COLUMN previous_label TEXT;
ALTER TABLE deployments ADD COLUMN previous_configuration TEXT;
ALTER TABLE deployments ADD COLUMN previous_roles TEXT;
ALTER TABLE deployments ADD COLUMN previous_cores BIGINT;
