-- The organisation tree's version (issue 4; src/identity/gate.h OrgTreeCache; docs/modules/identity.md
-- "The organisation tree cache"), and the article list's index by column. Owned by src/identity
-- (org_tree_version) and src/content (the index).
--
-- Every permission check needs the tree: each organisation's parent and each site's organisation.
-- The triggers below bump (version, stamp) in the same transaction as any change of that shape, so a
-- check reads this one row and reloads the tree only when it changed. stamp is random so that a
-- version number seen inside a transaction that was rolled back never names another tree later.
-- Role grants are not in the tree (they come with the session's principal) and bump nothing.
CREATE TABLE org_tree_version (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL,
  stamp INTEGER NOT NULL
);
INSERT INTO org_tree_version (id, version, stamp) VALUES (1, 1, random());

CREATE TRIGGER org_tree_version_org_insert AFTER INSERT ON organisations
BEGIN
  UPDATE org_tree_version SET version = version + 1, stamp = random() WHERE id = 1;
END;
CREATE TRIGGER org_tree_version_org_move AFTER UPDATE OF id, parent_id ON organisations
BEGIN
  UPDATE org_tree_version SET version = version + 1, stamp = random() WHERE id = 1;
END;
CREATE TRIGGER org_tree_version_org_delete AFTER DELETE ON organisations
BEGIN
  UPDATE org_tree_version SET version = version + 1, stamp = random() WHERE id = 1;
END;
CREATE TRIGGER org_tree_version_site_insert AFTER INSERT ON sites
BEGIN
  UPDATE org_tree_version SET version = version + 1, stamp = random() WHERE id = 1;
END;
CREATE TRIGGER org_tree_version_site_move AFTER UPDATE OF id, org_id ON sites
BEGIN
  UPDATE org_tree_version SET version = version + 1, stamp = random() WHERE id = 1;
END;
CREATE TRIGGER org_tree_version_site_delete AFTER DELETE ON sites
BEGIN
  UPDATE org_tree_version SET version = version + 1, stamp = random() WHERE id = 1;
END;

-- The console's article list filtered by column (list_articles), newest first, paged in SQL.
CREATE INDEX articles_site_column ON articles(site_id, column_id, id);
