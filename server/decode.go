package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/canvass/canvass/office"
)

// The request bodies of the JSON API. Each is decoded strictly: unknown
// fields, trailing data, wrong types and oversized bodies are refused
// with a 4xx naming the field, before anything changes.

type enrollRequest struct {
	User       string `json:"user"`
	Code       string `json:"code"`
	Password   string `json:"password"`
	SigningKey string `json:"signing_key"`
}

type confirmRequest struct {
	User string `json:"user"`
	Code string `json:"code"`
	TOTP string `json:"totp"`
}

type loginRequest struct {
	User     string `json:"user"`
	Password string `json:"password"`
	TOTP     string `json:"totp"`
}

type signatureRequest struct {
	Signature string `json:"signature"`
}

type electionRequest struct {
	Name         string `json:"name"`
	Date         string `json:"date"`
	Jurisdiction string `json:"jurisdiction"`
}

type modeRequest struct {
	Mode string `json:"mode"`
}

type publicationRequest struct {
	Tabulation string `json:"tabulation"`
}

type installRequest struct {
	Component string `json:"component"`
	Version   string `json:"version"`
	NewSHA256 string `json:"new_sha256"`
	OldSHA256 string `json:"old_sha256"`
}

// decodeJSON reads exactly one JSON object of at most limit bytes from r
// into v.
func decodeJSON(r io.Reader, contentType string, limit int64, v any) *office.Error {
	if contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil || mt != "application/json" {
			return &office.Error{Status: http.StatusUnsupportedMediaType, Msg: "send the body as Content-Type: application/json"}
		}
	}
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &office.Error{Status: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("the body exceeds %d bytes", limit)}
		}
		return &office.Error{Status: http.StatusBadRequest, Msg: "reading the body: " + err.Error()}
	}
	if int64(len(body)) > limit {
		return &office.Error{Status: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("the body exceeds %d bytes", limit)}
	}
	return decodeBytes(body, v)
}

// decodeBytes is decodeJSON's parser, separate for fuzzing.
func decodeBytes(body []byte, v any) *office.Error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return &office.Error{Status: http.StatusBadRequest, Msg: fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, err)}
		case errors.As(err, &te):
			return &office.Error{Status: http.StatusBadRequest, Field: te.Field, Msg: fmt.Sprintf("must be %s, not a JSON %s", te.Type, te.Value)}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return &office.Error{Status: http.StatusBadRequest, Field: f, Msg: "unknown field"}
		case errors.Is(err, io.EOF):
			return &office.Error{Status: http.StatusBadRequest, Msg: "empty body; send a JSON object"}
		}
		return &office.Error{Status: http.StatusBadRequest, Msg: "malformed JSON: " + err.Error()}
	}
	if dec.More() {
		return &office.Error{Status: http.StatusBadRequest, Msg: "trailing data after the JSON object"}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &office.Error{Status: http.StatusBadRequest, Msg: "trailing data after the JSON object"}
	}
	if bytes.HasPrefix(bytes.TrimLeft(body, " \t\r\n"), []byte("null")) {
		return &office.Error{Status: http.StatusBadRequest, Msg: "send a JSON object, not null"}
	}
	return nil
}
