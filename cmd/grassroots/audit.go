package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/grassroots-cn/grassroots/export/audit"
)

func (a *app) privacyAuditCommand() *cobra.Command {
	var k int
	cmd := &cobra.Command{
		Use:   "privacy-audit DIR",
		Short: "Attack a release folder as an outside researcher would and print what it gives away",
		Long: `privacy-audit reads only a release's own files (its Parquet tables, the
village list among them, and manifest.json) and runs the attacks of the
disclosure model (docs/privacy.md): the month-change linkage of postings to
villages, the derivation of suppressed values from other columns (and from a
spells table without research_id), uniqueness within county over every
subset of the manifest's quasi-identifiers (channel and any months of the
postings included), and the share of suppressed persons per county against
the manifest's bound. It needs no configuration. Risks found are its normal output (exit
0); a folder that is not a release exits 2.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{errors.New("privacy-audit takes one release folder")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if k < 0 || k == 1 {
				return usageError{errors.New("--k must be at least 2 (0 = the release's own k)")}
			}
			rep, err := audit.Run(cmd.Context(), args[0], audit.Options{K: k})
			if errors.Is(err, audit.ErrNotRelease) {
				return withCode(exitUsage, err)
			}
			if err != nil {
				return err
			}
			if a.json {
				return printJSON(a.stdout, rep)
			}
			return rep.WriteText(a.stdout)
		},
	}
	cmd.Flags().IntVar(&k, "k", 0, "the threshold of the attack (default: the k in the release's manifest.json)")
	return cmd
}
