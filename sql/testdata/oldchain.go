//go:build ignore

// oldchain prints, for every macro that a folder of migrations leaves in a
// fresh database, its name, type, parameters and the sha256 of its
// definition and of its comment as duckdb_functions() reports them. Its
// output is testdata/old_chain_macros.txt, the macros of the migration chain
// as it stood before the macros moved to sql/macros:
//
//	mkdir /tmp/old && git archive 247efd9 sql/migrations | tar -x -C /tmp/old
//	go run -tags duckdb_arrow sql/testdata/oldchain.go /tmp/old/sql/migrations > sql/testdata/old_chain_macros.txt
package main

import (
	"crypto/sha256"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"

	_ "github.com/duckdb/duckdb-go/v2"
)

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: oldchain <migrations folder>")
	}
	files, err := filepath.Glob(filepath.Join(os.Args[1], "*.sql"))
	if err != nil || len(files) == 0 {
		log.Fatalf("no migrations in %s (%v)", os.Args[1], err)
	}
	sort.Strings(files)
	db, err := sql.Open("duckdb", "")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			log.Fatal(err)
		}
		if _, err := db.Exec(string(text)); err != nil {
			log.Fatalf("%s: %v", f, err)
		}
	}
	rows, err := db.Query(`SELECT function_name, function_type, CAST(parameters AS VARCHAR), macro_definition, coalesce(comment, '')
		FROM duckdb_functions() WHERE NOT internal AND function_type IN ('macro', 'table_macro') ORDER BY function_name`)
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	fmt.Println("# name\ttype\tparameters\tsha256(macro_definition)\tsha256(comment)")
	for rows.Next() {
		var name, typ, params, def, comment string
		if err := rows.Scan(&name, &typ, &params, &def, &comment); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s\t%s\t%s\t%x\t%x\n", name, typ, params, sha256.Sum256([]byte(def)), sha256.Sum256([]byte(comment)))
	}
	if err := rows.Err(); err != nil {
		log.Fatal(err)
	}
}
