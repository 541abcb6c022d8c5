package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
)

// maxKeyFileBytes bounds what Key reads from key_file: a secret is a line, not a file.
const maxKeyFileBytes = 4096

// Key returns the secret for person_key (docs/design.md, Privacy): the content of the environment
// variable named by key_env, or of the file named by key_file, trimmed of surrounding
// white space, and at least MinSecretBytes long. A key_file must be a regular file that
// neither group nor others may read or write (mode 0600 or 0400). Errors wrap ErrSecret
// and ErrConfig and never contain the secret.
func (c *Config) Key() ([]byte, error) {
	switch {
	case c.KeyEnv != "":
		return envSecret(c.KeyEnv, "key_env")
	case c.KeyFile != "":
		return fileSecret(c.KeyFile, "key_file")
	}
	return nil, &secretError{msg: "neither key_env nor key_file is set"}
}

// ErrNoPIIKey is wrapped by PIIKey's error when the file names neither
// pii_key_file nor pii_key_env.
var ErrNoPIIKey = errors.New("neither pii_key_file nor pii_key_env is set: the private warehouse stores names, ID numbers and phones encrypted with that key (README, Configuration)")

// PIIKey returns the secret that encrypts names, ID numbers and phones in the
// private warehouse (docs/design.md, Encryption at rest): the content of the
// file named by pii_key_file or of the environment variable named by
// pii_key_env, with the same rules as Key. It must differ from the person_key
// secret. Errors wrap ErrSecret and ErrConfig and never contain the secret.
func (c *Config) PIIKey() ([]byte, error) {
	var (
		secret []byte
		err    error
		what   string
	)
	switch {
	case c.PIIKeyFile != "":
		secret, err = fileSecret(c.PIIKeyFile, "pii_key_file")
		what = "pii_key_file"
	case c.PIIKeyEnv != "":
		secret, err = envSecret(c.PIIKeyEnv, "pii_key_env")
		what = "pii_key_env"
	default:
		return nil, &secretError{msg: "no personal-data key", err: ErrNoPIIKey}
	}
	if err != nil {
		return nil, err
	}
	if pk, perr := c.Key(); perr == nil && bytes.Equal(pk, secret) {
		return nil, &secretError{msg: what + " holds the same secret as the person_key secret; use a key of its own"}
	}
	return secret, nil
}

// ExportKey returns the researchers' export secret (docs/design.md, The researchers' release) from the file named by
// export.key_file or the environment variable named by export.key_env, with the same
// rules as Key.
func (c *Config) ExportKey() ([]byte, error) {
	if c.Export.KeyFile != "" {
		return fileSecret(c.Export.KeyFile, "key_file")
	}
	if c.Export.KeyEnv == "" {
		return nil, &secretError{msg: "export.key_env is not set"}
	}
	return envSecret(c.Export.KeyEnv, "export.key_env")
}

// envSecret reads a secret from the environment variable name, named by key.
func envSecret(name, key string) ([]byte, error) {
	v, ok := os.LookupEnv(name)
	if !ok {
		return nil, &secretError{msg: fmt.Sprintf("environment variable %s (%s) is not set", name, key)}
	}
	return checkSecret([]byte(v), fmt.Sprintf("environment variable %s (%s)", name, key))
}

// fileSecret reads a secret from a file that only its owner may access; key
// names the setting in messages.
func fileSecret(path, key string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &secretError{msg: key, err: err}
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, &secretError{msg: key, err: err}
	}
	if !info.Mode().IsRegular() {
		return nil, &secretError{msg: fmt.Sprintf("%s %s is not a regular file", key, path)}
	}
	// Windows has no such mode bits; its ACLs are the operator's business.
	if perm := info.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, &secretError{msg: fmt.Sprintf(
			"%s %s has mode %#o: group and others must have no access; run chmod 600 %s", key, path, perm, path)}
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileBytes+1))
	if err != nil {
		return nil, &secretError{msg: key, err: err}
	}
	if len(data) > maxKeyFileBytes {
		return nil, &secretError{msg: fmt.Sprintf("%s %s is larger than %d bytes; it must hold one secret", key, path, maxKeyFileBytes)}
	}
	return checkSecret(data, key+" "+path)
}

// checkSecret trims a secret and checks its length; what names where it came from.
func checkSecret(secret []byte, what string) ([]byte, error) {
	secret = bytes.TrimSpace(secret)
	switch {
	case len(secret) == 0:
		return nil, &secretError{msg: what + " is empty"}
	case len(secret) < MinSecretBytes:
		return nil, &secretError{msg: fmt.Sprintf("%s is shorter than %d bytes; use a random secret such as the output of openssl rand -hex 32", what, MinSecretBytes)}
	}
	return secret, nil
}

// NewPIIKey reads the secret `grassroots rekey` moves the personal data to:
// from the file path (with the rules of pii_key_file; flag names the flag in
// messages) or, when path is "", from the environment variable env. It must
// differ from the current personal-data key and from the person_key secret.
func (c *Config) NewPIIKey(path, env, flag string) ([]byte, error) {
	var (
		secret []byte
		err    error
	)
	switch {
	case path != "" && env != "":
		return nil, &secretError{msg: "give " + flag + "-file or " + flag + "-env, not both"}
	case path != "":
		secret, err = fileSecret(path, flag+"-file")
	case env != "":
		secret, err = envSecret(env, flag+"-env")
	default:
		return nil, &secretError{msg: "give " + flag + "-file or " + flag + "-env: the new personal-data key"}
	}
	if err != nil {
		return nil, err
	}
	if pk, perr := c.Key(); perr == nil && bytes.Equal(pk, secret) {
		return nil, &secretError{msg: "the new personal-data key is the person_key secret; use a key of its own"}
	}
	if old, perr := c.PIIKey(); perr == nil && bytes.Equal(old, secret) {
		return nil, &secretError{msg: "the new personal-data key is the current one"}
	}
	return secret, nil
}
