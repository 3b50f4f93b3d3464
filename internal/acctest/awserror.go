package acctest

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"

	"github.com/aws/smithy-go/encoding/cbor"
	"github.com/google/uuid"
)

// awsError is an error the faithful layer answers in place of moto, as AWS
// would answer it.
type awsError struct {
	status  int
	code    string
	message string
}

func (e *awsError) Error() string { return e.code + ": " + e.message }

// AWS's answers the layer gives. Codes and messages are AWS's own; see the
// pages cited in the package documentation of awsfaithful.go.
func accessDenied(caller principal, roleARN string) *awsError {
	return &awsError{status: http.StatusForbidden, code: "AccessDenied",
		message: fmt.Sprintf("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", caller.arn, roleARN)}
}

func invalidClientTokenID() *awsError {
	return &awsError{status: http.StatusForbidden, code: "InvalidClientTokenId",
		message: "The security token included in the request is invalid."}
}

func regionDisabled(accountID string) *awsError {
	return &awsError{status: http.StatusForbidden, code: "RegionDisabledException",
		message: "STS is not activated in this region for account:" + accountID +
			". Your account administrator can activate STS in this region using the IAM Console."}
}

// internalFailure is the layer failing to decide (moto did not answer its
// own lookup): an error a test sees, never a silent allow.
func internalFailure(err error) *awsError {
	return &awsError{status: http.StatusInternalServerError, code: "InternalFailure",
		message: "the AWS-faithful test layer could not evaluate the request: " + err.Error()}
}

// queryErrorResponse is the query protocol's error document (STS, IAM).
type queryErrorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Error   struct {
		Type    string
		Code    string
		Message string
	}
	RequestID string `xml:"RequestId"`
}

// write answers e in the protocol of the service called, so that the SDK
// reports e.code as the error code.
func (e *awsError) write(w http.ResponseWriter, p protocol) {
	fault := "Sender"
	if e.status >= 500 {
		fault = "Receiver"
	}
	w.Header().Set("X-Amzn-RequestId", uuid.NewString())
	var body []byte
	switch p {
	case protocolJSON:
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amzn-Query-Error", e.code+";"+fault)
		body, _ = json.Marshal(map[string]string{"__type": e.code, "message": e.message})
	case protocolRPCCBOR:
		w.Header().Set("Content-Type", "application/cbor")
		w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
		w.Header().Set("X-Amzn-Query-Error", e.code+";"+fault)
		body = cbor.Encode(cbor.Map{"__type": cbor.String(e.code), "message": cbor.String(e.message)})
	default:
		doc := queryErrorResponse{RequestID: w.Header().Get("X-Amzn-RequestId")}
		doc.Error.Type, doc.Error.Code, doc.Error.Message = fault, e.code, e.message
		w.Header().Set("Content-Type", "text/xml")
		body, _ = xml.Marshal(doc)
	}
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}
