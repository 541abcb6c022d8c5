package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/grassroots-cn/grassroots/internal/piicrypt"
	"github.com/grassroots-cn/grassroots/pipeline"
)

// rekeyResult is what `rekey` did.
type rekeyResult struct {
	Warehouse string `json:"warehouse"`
	Values    int    `json:"values_reencrypted"`
	NewKey    string `json:"new_key"` // the file or variable to name in the configuration
}

func (a *app) rekeyCommand() *cobra.Command {
	var newFile, newEnv string
	cmd := &cobra.Command{
		Use:   "rekey (--new-key-file FILE | --new-key-env NAME)",
		Short: "Re-encrypt the warehouse's names, ID numbers and phones with a new personal-data key",
		Long: `rekey decrypts every name, ID number and phone of pii_person and
pii_person_history with the current key (pii_key_file or pii_key_env of the
configuration) and encrypts it with the new one, in one transaction: either
every value moves to the new key or none does. Afterwards only the new key
opens the warehouse: set pii_key_file (or pii_key_env) in the configuration
to it. The new key file must be mode 0600, like pii_key_file.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			secret, err := cfg.NewPIIKey(newFile, newEnv, "--new-key")
			if err != nil {
				return withCode(exitUsage, err)
			}
			to, err := piicrypt.New(secret)
			if err != nil {
				return withCode(exitUsage, err)
			}
			r := &pipeline.Runner{Config: cfg, Logger: a.logger()}
			w, err := r.Open(cmd.Context()) // checks the current key
			if err != nil {
				return err
			}
			n, err := w.Rekey(cmd.Context(), w.PII(), to)
			if cerr := w.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			if newFile != "" {
				if abs, err := filepath.Abs(newFile); err == nil {
					newFile = abs
				}
			}
			res := rekeyResult{Warehouse: cfg.Warehouse, Values: n, NewKey: newFile}
			setting := "pii_key_file: " + newFile
			if newFile == "" {
				res.NewKey, setting = newEnv, "pii_key_env: "+newEnv
			}
			if a.json {
				printJSON(a.stdout, res)
				return nil
			}
			fmt.Fprintf(a.stdout, "re-encrypted %d values of %s with the new key\nnow set %q in %s: the old key no longer opens the warehouse\n",
				n, cfg.Warehouse, setting, cfg.Path)
			return nil
		},
	}
	cmd.Flags().StringVar(&newFile, "new-key-file", "", "file holding the new personal-data key (mode 0600)")
	cmd.Flags().StringVar(&newEnv, "new-key-env", "", "environment variable holding the new personal-data key")
	return cmd
}
