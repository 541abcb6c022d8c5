-- 008_pii_encryption.sql: names, ID numbers and phones in pii_person and
-- pii_person_history are stored encrypted (AES-256-GCM with a synthetic IV,
-- under the pii_key_file / pii_key_env secret; docs/design.md, Encryption at
-- rest). pii_key_check identifies the key they are encrypted with, so that a
-- wrong key is refused before anything is written. A warehouse created before
-- this migration has no row here: the program encrypts its plaintext values on
-- the first read-write open with a key, and writes the row in the same
-- transaction. Private: never published.
CREATE TABLE pii_key_check (
    scheme      VARCHAR NOT NULL,
    check_value VARCHAR NOT NULL
);

COMMENT ON TABLE pii_key_check IS
    '【私有】个人信息加密密钥的校验值（一行）；绝不发布 / PRIVATE. One row identifying the key that encrypts names, ID numbers and phones in pii_person and pii_person_history; never published';
COMMENT ON COLUMN pii_key_check.scheme IS
    '加密方案，如 pii1（AES-256-GCM，合成 IV） / the encryption scheme, such as pii1 (AES-256-GCM with a synthetic IV)';
COMMENT ON COLUMN pii_key_check.check_value IS
    '密钥校验值：由密钥派生的 HMAC-SHA256（十六进制），不泄露密钥 / the key check: an HMAC-SHA256 derived from the key (hex), which does not reveal it';

COMMENT ON COLUMN pii_person.name IS
    '姓名（加密：pii1: 开头的密文，用 pii_key_file / pii_key_env 的密钥解密） / name, encrypted: a pii1: ciphertext, decrypted with the pii_key_file / pii_key_env key';
COMMENT ON COLUMN pii_person.id_number IS
    '身份证号（18 位，加密：pii1: 开头的密文） / ID number (18 characters), encrypted: a pii1: ciphertext';
COMMENT ON COLUMN pii_person.phone IS
    '联系电话（加密：pii1: 开头的密文） / phone, encrypted: a pii1: ciphertext';
COMMENT ON COLUMN pii_person_history.name IS
    '姓名（加密：pii1: 开头的密文，用 pii_key_file / pii_key_env 的密钥解密） / name, encrypted: a pii1: ciphertext, decrypted with the pii_key_file / pii_key_env key';
COMMENT ON COLUMN pii_person_history.id_number IS
    '身份证号（18 位，加密：pii1: 开头的密文） / ID number (18 characters), encrypted: a pii1: ciphertext';
COMMENT ON COLUMN pii_person_history.phone IS
    '联系电话（加密：pii1: 开头的密文） / phone, encrypted: a pii1: ciphertext';
