package health

import (
	"context"
	"errors"

	"github.com/aws/smithy-go"
)

// AWS error codes the check tells apart.
const (
	errNoSuchEntity   = "NoSuchEntity"
	errRegionDisabled = "RegionDisabledException"
)

// errorCode is AWS's error code of err, or "" when AWS did not answer.
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// describe says what went wrong in a call: AWS's code and message without
// the SDK's operation and request ID wrapping, which help no customer.
func describe(err error) string {
	var ae smithy.APIError
	switch {
	case errors.As(err, &ae):
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	case errors.Is(err, context.DeadlineExceeded):
		return "AWS did not answer within the check's time limit"
	default:
		return err.Error()
	}
}
