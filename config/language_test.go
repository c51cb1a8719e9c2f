package config

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestLanguage(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		env      []string
		flags    map[string]any
		want     string
		wantFrom string // $FILE is the config path
		wantErr  string // a line of Validate's error
	}{
		{name: "default", want: "en", wantFrom: "defaults"},
		{name: "from the file", file: "language: de\n", want: "de", wantFrom: "$FILE"},
		{name: "case and spaces", file: "language: \" FR \"\n", want: "fr", wantFrom: "$FILE"},
		{name: "env over file", file: "language: fr\n", env: []string{"DDC_LANGUAGE=de"}, want: "de", wantFrom: "env DDC_LANGUAGE"},
		{name: "flag over env", env: []string{"DDC_LANGUAGE=de"}, flags: map[string]any{"language": "fr"}, want: "fr", wantFrom: "flag --language"},
		{name: "empty section keeps the default", file: "language:\n", want: "en", wantFrom: "defaults"},
		{name: "unsupported", file: "language: es\n", want: "es", wantFrom: "$FILE",
			wantErr: `config $FILE: language: "es" is not one of en, de, fr (the languages DDC's own texts are translated to)`},
		{name: "unsupported from env", env: []string{"DDC_LANGUAGE=pt-BR"}, want: "pt-br", wantFrom: "env DDC_LANGUAGE",
			wantErr: `config (env DDC_LANGUAGE): language: "pt-br" is not one of en, de, fr`},
		{name: "typo in the key", file: "langauge: de\n", want: "en", wantFrom: "defaults",
			wantErr: `config $FILE: langauge: unknown key (did you mean language?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeConfig(t, tt.file)
			file := filepath.Join(dir, FileName)
			c, err := Load(dir, tt.env, tt.flags)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if c.Language != tt.want {
				t.Errorf("Language = %q, want %q", c.Language, tt.want)
			}
			if from := strings.ReplaceAll(c.Source("language"), file, "$FILE"); from != tt.wantFrom {
				t.Errorf("Source(language) = %q, want %q", from, tt.wantFrom)
			}
			err = c.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(strings.ReplaceAll(err.Error(), file, "$FILE"), tt.wantErr)):
				t.Errorf("Validate() = %v, want %s", err, tt.wantErr)
			}
		})
	}
	if got := EnvName("language"); got != "DDC_LANGUAGE" {
		t.Errorf("EnvName(language) = %q, want DDC_LANGUAGE", got)
	}
}
