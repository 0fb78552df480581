package deps

import (
	_ "github.com/santhosh-tekuri/jsonschema/v6"
	_ "github.com/transparency-dev/tessera"
	_ "github.com/transparency-dev/tessera/storage/posix"
	_ "github.com/xuri/excelize/v2"
	_ "golang.org/x/crypto/argon2"
	_ "golang.org/x/mod/sumdb/note"
	_ "golang.org/x/mod/sumdb/tlog"
	_ "modernc.org/sqlite"
)
