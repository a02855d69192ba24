package open

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/kasir-gateway/kasir/gateway"
)

// field is one property of a param or data document.
type field struct {
	name, typ, desc string // typ: string, integer, boolean, or "[]name" for a list of a named schema
	required        bool
}

// apiOperation documents one Open API path.
type apiOperation struct {
	path, tag, summary string
	param, data        []field
	aliases            string // "payout", "payment" or "": which country aliases serve it
}

func req(name, typ, desc string) field { return field{name, typ, desc, true} }
func opt(name, typ, desc string) field { return field{name, typ, desc, false} }

var (
	fCountry   = req("countryCode", "string", "PH, ID, MY, TH, PE (payouts); PH, ID, MY, TH, RU, PE (payments)")
	fTimestamp = req("timestamp", "integer", "milliseconds since the epoch, a number or a digit string, within the timestamp window")
	fAmount    = "integer minor units (centavos, sen, satang, kopecks; whole rupiah for IDR)"
	fTime      = "ISO-8601 with the country's offset, e.g. 2026-11-23T16:02:11+08:00"
)

// operations is the documented Open API. TestOpenAPICoversRoutes keeps it and
// the handler's routes the same.
var operations = []apiOperation{
	{path: "/open-api/account/balance", tag: "Account", summary: "Balance inquiry",
		param: []field{fCountry, fTimestamp},
		data: []field{opt("countryCode", "string", ""), opt("currency", "string", ""),
			opt("balance", "string", "available balance, decimal major units with two places, e.g. \"8482.50\""),
			opt("availableAmount", "integer", fAmount), opt("pendingAmount", "integer", "collected, not yet settled; "+fAmount),
			opt("heldAmount", "integer", "held for payouts and refunds in flight; "+fAmount)}},
	{path: "/open-api/report/download", tag: "Account", summary: "Report download: a CSV of one day's orders",
		param: []field{fCountry, req("transDate", "string", "yyyy-MM-dd, a date in the country's time zone"),
			req("transType", "integer", "1 payouts, 2 payments, 3 refunds (a number or a digit string)"), fTimestamp},
		data: []field{opt("downloadUrl", "string", "GET it within 15 minutes: text/csv, streamed"), opt("expireTime", "string", fTime)}},
	{path: "/open-api/disbursement/channel", tag: "Payouts", summary: "Payout channel list", aliases: "payout",
		param: []field{fCountry, fTimestamp},
		data:  []field{opt("countryCode", "string", ""), opt("currency", "string", ""), opt("channels", "[]PayoutChannel", "")}},
	{path: "/open-api/disbursement/transfer", tag: "Payouts", summary: "Create payout", aliases: "payout",
		param: []field{req("mchOrderId", "string", "1-32 printable ASCII characters, unique per app (21007)"),
			opt("idempotencyId", "string", "unique per app (21015 when reused for another order)"), fCountry,
			req("currency", "string", "the country's currency"), req("amount", "integer", fAmount),
			req("payMethodCode", "string", "BANK, EWALLET or PROMPTPAY"), req("transferCode", "string", "bank or wallet code from the channel list"),
			req("accountNo", "string", "in the channel's shape"), opt("accountName", "string", "required for BANK"),
			opt("accountType", "string", "PE: 0 Corriente, 1 Ahorro (required)"), opt("mobile", "string", ""),
			opt("notifyUrl", "string", "http or https; the app's default otherwise"), opt("remark", "string", ""),
			opt("cciAccountNo", "string", "PE: the payee's 20-digit CCI, required outside BBVA, Interbank, BCP and Scotiabank"),
			opt("idType", "string", "PE (required): 1 DNI, 2 passport, 3 CE, 4 RUC"), opt("idCard", "string", "PE (required): the document number"),
			opt("email", "string", "the payee's email"), fTimestamp},
		data: []field{opt("transactionId", "string", "D..."), opt("mchOrderId", "string", ""), opt("transactionStatus", "string", "PENDING"),
			opt("transactionTime", "string", fTime), opt("amount", "integer", fAmount), opt("fee", "integer", fAmount),
			opt("currency", "string", ""), opt("countryCode", "string", "")}},
	{path: "/open-api/disbursement/check", tag: "Payouts", summary: "Check payout status", aliases: "payout",
		param: []field{opt("mchOrderId", "string", "one of mchOrderId and transactionId"), opt("transactionId", "string", ""), fCountry, fTimestamp},
		data: []field{opt("mchOrderId", "string", ""), opt("transactionId", "string", ""), opt("countryCode", "string", ""),
			opt("currency", "string", ""), opt("amount", "integer", fAmount), opt("fee", "integer", fAmount),
			opt("transactionStatus", "string", "PENDING, COMPLETED or FAILED"), opt("createTime", "string", fTime),
			opt("returnTime", "string", "\"\" while PENDING"), opt("remark", "string", ""),
			opt("failedCode", "integer", "-10000 to -10009 when FAILED"), opt("failedMessage", "string", "")}},
	{path: "/open-api/payment/checkout/channel", tag: "Payments", summary: "Payment channel list", aliases: "payment",
		param: []field{fCountry, fTimestamp},
		data:  []field{opt("countryCode", "string", ""), opt("currency", "string", ""), opt("channels", "[]PaymentChannel", "")}},
	{path: "/open-api/payment/generate", tag: "Payments", summary: "Create payment (dynamic order)", aliases: "payment",
		param: []field{req("mchOrderId", "string", "unique per app"), fCountry, req("currency", "string", ""), req("amount", "integer", fAmount),
			req("channelCode", "string", "from the payment channel list"), opt("channelType", "string", "QR, EWALLET, BANK_TRANSFER, ONLINE_BANKING or CARD; must match the channel"),
			opt("customerName", "string", ""), opt("email", "string", ""), opt("mobile", "string", ""), opt("terminalType", "string", ""),
			opt("notifyUrl", "string", ""), opt("redirectUrl", "string", "where the hosted page sends the customer after paying"),
			opt("remark", "string", ""), opt("expireTime", "integer", "milliseconds since the epoch; default per channel type"), fTimestamp},
		data: []field{opt("transactionId", "string", "C..."), opt("mchOrderId", "string", ""), opt("transactionStatus", "string", "PENDING"),
			opt("amount", "integer", fAmount), opt("currency", "string", ""), opt("countryCode", "string", ""), opt("channelType", "string", ""),
			opt("channelCode", "string", ""), opt("payData", "string", "EMVCo QR payload, 16-digit virtual account, or pay URL"),
			opt("expireTime", "string", fTime), opt("createTime", "string", fTime)}},
	{path: "/open-api/payment/query", tag: "Payments", summary: "Check payment status", aliases: "payment",
		param: []field{opt("mchOrderId", "string", "one of mchOrderId and transactionId"), opt("transactionId", "string", ""), fCountry, fTimestamp},
		data: []field{opt("mchOrderId", "string", ""), opt("transactionId", "string", ""), opt("countryCode", "string", ""), opt("currency", "string", ""),
			opt("amount", "integer", fAmount), opt("paidAmount", "integer", fAmount), opt("fee", "integer", fAmount),
			opt("channelType", "string", ""), opt("channelCode", "string", ""), opt("payData", "string", ""),
			opt("transactionStatus", "string", "PENDING, COMPLETED, FAILED or EXPIRED"), opt("flag", "string", "LATE, UNDERPAID or OVERPAID"),
			opt("createTime", "string", fTime), opt("expireTime", "string", fTime), opt("returnTime", "string", "\"\" until final"), opt("remark", "string", "")}},
	{path: "/open-api/payment/refund", tag: "Refunds", summary: "Refund a completed payment, fully or in part", aliases: "payment",
		param: []field{req("mchRefundOrderId", "string", "unique per app (21405)"), req("originalTransactionId", "string", "the COMPLETED payment (C...)"),
			req("refundAmount", "integer", "at most what is left to refund (21404); "+fAmount), opt("refundReason", "string", ""),
			opt("refundCallbackUrl", "string", "where payment.refund.* notifications go; the app's default otherwise"),
			opt("countryCode", "string", "optional; must match the payment's"), fTimestamp},
		data: refundFields},
	{path: "/open-api/refund/payments", tag: "Refunds", summary: "Get refunds: all of a payment, or one", aliases: "payment",
		param: []field{opt("originalTransactionId", "string", "all refunds of this payment"), opt("refundTransactionId", "string", "this refund"),
			opt("mchRefundOrderId", "string", "this refund"), opt("countryCode", "string", ""), fTimestamp},
		data: []field{opt("list", "[]Refund", "")}},
	{path: "/open-api/refund/channel", tag: "Refunds", summary: "Channels whose payments can be refunded", aliases: "payment",
		param: []field{fCountry, fTimestamp},
		data:  []field{opt("countryCode", "string", ""), opt("currency", "string", ""), opt("channels", "[]RefundChannel", "")}},
	{path: "/open-api/static/payment/code", tag: "Static codes", summary: "Create a reusable static code (fixed QR or static VA)", aliases: "static",
		param: []field{req("mchOrderId", "string", "unique per app among static codes"), fCountry, req("currency", "string", ""),
			req("channelCode", "string", "a channel with static: true"), opt("customerName", "string", ""),
			opt("amount", "integer", "fixed amount; omit for an open amount. "+fAmount), opt("minAmount", "integer", "open amount: lowest accepted"),
			opt("maxAmount", "integer", "open amount: highest accepted"), opt("expireTime", "integer", "milliseconds since the epoch; default never"),
			opt("notifyUrl", "string", ""), opt("remark", "string", ""), fTimestamp},
		data: staticCodeFields},
	{path: "/open-api/static/payment/detail", tag: "Static codes", summary: "Static code detail", aliases: "static",
		param: []field{opt("mchOrderId", "string", "one of mchOrderId and codeId"), opt("codeId", "string", ""), fCountry, fTimestamp},
		data:  staticCodeFields},
	{path: "/open-api/static/payment/list", tag: "Static codes", summary: "Payments received into a static code, newest first", aliases: "static",
		param: []field{opt("mchOrderId", "string", "one of mchOrderId and codeId"), opt("codeId", "string", ""), fCountry,
			opt("pageNum", "integer", "1-based, default 1"), opt("pageSize", "integer", "default 20, at most 100"), fTimestamp},
		data: []field{opt("codeId", "string", ""), opt("total", "integer", ""), opt("pageNum", "integer", ""),
			opt("pageSize", "integer", ""), opt("list", "[]StaticPayment", "")}},
	{path: "/open-api/static/code/cancel", tag: "Static codes", summary: "Cancel a static code: it takes no more payments", aliases: "static",
		param: []field{opt("mchOrderId", "string", "one of mchOrderId and codeId"), opt("codeId", "string", ""),
			opt("channelCode", "string", "must match the code's"), fCountry, fTimestamp},
		data: staticCodeFields},
}

var staticCodeFields = []field{opt("codeId", "string", "S..."), opt("mchOrderId", "string", ""),
	opt("status", "string", "ACTIVE, CANCEL or EXPIRED"), opt("countryCode", "string", ""), opt("currency", "string", ""),
	opt("channelCode", "string", ""), opt("payData", "string", "static EMVCo QR payload or virtual account"),
	opt("customerName", "string", ""), opt("amount", "integer", "fixed amount, 0 for an open amount"),
	opt("minAmount", "integer", fAmount), opt("maxAmount", "integer", fAmount), opt("expireTime", "string", fTime+"; \"\" for never"),
	opt("createTime", "string", fTime), opt("cancelTime", "string", fTime), opt("remark", "string", "")}

var refundFields = []field{opt("refundTransactionId", "string", "R..."), opt("mchRefundOrderId", "string", ""),
	opt("originalTransactionId", "string", ""), opt("countryCode", "string", ""), opt("currency", "string", ""),
	opt("refundAmount", "integer", fAmount), opt("feeRefunded", "integer", "the part of the payment's fee given back; "+fAmount),
	opt("refundStatus", "string", "PENDING, COMPLETE, FAILED or CANCEL"), opt("refundReason", "string", ""),
	opt("failedCode", "integer", "-10009 and others when FAILED"), opt("failedMessage", "string", ""),
	opt("createTime", "string", fTime), opt("returnTime", "string", "\"\" until final")}

// listSchemas are the named item schemas of list fields.
var listSchemas = map[string][]field{
	"PayoutChannel": {opt("transferCode", "string", ""), opt("name", "string", ""), opt("payMethodCode", "string", ""),
		opt("minAmount", "integer", fAmount), opt("maxAmount", "integer", fAmount)},
	"StaticPayment": {opt("transactionId", "string", "C..."), opt("mchOrderId", "string", "the code's"), opt("currency", "string", ""),
		opt("amount", "integer", fAmount), opt("fee", "integer", fAmount), opt("transactionStatus", "string", ""),
		opt("createTime", "string", fTime), opt("returnTime", "string", fTime)},
	"Refund":        refundFields,
	"RefundChannel": {opt("channelCode", "string", ""), opt("name", "string", ""), opt("channelType", "string", "")},
	"PaymentChannel": {opt("channelCode", "string", ""), opt("name", "string", ""), opt("channelType", "string", ""),
		opt("minAmount", "integer", fAmount), opt("maxAmount", "integer", fAmount),
		opt("dynamic", "boolean", "takes one-off orders"), opt("static", "boolean", "can back a reusable static code")},
}

// DocPart is a part of the OpenAPI document that another API contributes
// (dialect B's paths, schemas and security schemes), so that one document
// covers every API the server speaks without this package knowing them.
type DocPart struct {
	Description     string // a paragraph appended to info.description
	Paths           map[string]any
	Schemas         map[string]any
	SecuritySchemes map[string]any
}

// OpenAPI returns the OpenAPI 3.1 document of the Open API as JSON, with
// parts merged in. A part whose path or schema name is already taken
// panics: the parts are static tables, so that is a programming error.
func OpenAPI(parts ...DocPart) []byte {
	paths := map[string]any{}
	schemas := map[string]any{
		"Envelope": map[string]any{"type": "object", "required": []string{"appId", "param", "sign"}, "properties": map[string]any{
			"appId": map[string]any{"type": "string"},
			"param": map[string]any{"type": "string", "description": "the operation's param document, JSON as a string; the exact bytes are signed"},
			"sign":  map[string]any{"type": "string", "description": "Base64(SHA256withRSA(merchant private key, param bytes))"},
		}},
	}
	for name, fs := range listSchemas {
		schemas[name] = objectSchema(fs)
	}
	for _, op := range operations {
		name := schemaName(op.path)
		schemas[name+"Param"] = objectSchema(op.param)
		schemas[name+"Data"] = objectSchema(op.data)
		item := map[string]any{"post": map[string]any{
			"tags": []string{op.tag}, "summary": op.summary, "operationId": name,
			"description": "The body is the signed envelope; its param string holds a " + name + "Param document.",
			"requestBody": map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{
				"schema": map[string]any{"allOf": []any{ref("Envelope"), map[string]any{"properties": map[string]any{"param": map[string]any{
					"type": "string", "contentMediaType": "application/json", "contentSchema": ref(name + "Param")}}}}}}}},
			"responses": map[string]any{
				"200": docResponse("Success (code 10000) or a business error (data null)", ref(name+"Data")),
				"413": docResponse("Body too large (code 21002)", nil),
				"429": docResponse("Too many requests: the app's rate limit is spent (code 21020); retry after the Retry-After header's seconds", nil),
				"500": docResponse("Internal error (code 21000)", nil),
				"503": docResponse("Temporarily unavailable (code 21000); retry", nil),
			},
		}}
		paths[op.path] = item
		if op.aliases != "" {
			paths[aliasPath(op.path)] = map[string]any{
				"parameters": []any{map[string]any{"name": "country", "in": "path", "required": true,
					"schema": map[string]any{"type": "string", "enum": aliasNames(op.aliases)}}},
				"post": map[string]any{"tags": []string{op.tag}, "summary": op.summary + " (country alias)",
					"operationId": name + "Alias", "requestBody": item["post"].(map[string]any)["requestBody"],
					"responses": item["post"].(map[string]any)["responses"]},
			}
		}
	}
	description, components := mergeParts(paths, schemas, parts)
	doc := map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": "Kasir API", "version": "1.0.0", "description": description},
		"servers": []any{map[string]any{"url": "http://127.0.0.1:8080", "description": "kasir serve with its defaults"}},
		// Dialect A's authentication is the RSA signature inside the body,
		// not an HTTP scheme; parts declare their own per operation.
		"security":   []any{},
		"paths":      paths,
		"components": components,
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err) // the document is built from static tables
	}
	return append(b, '\n')
}

// mergeParts adds the parts' paths and schemas to dialect A's and returns
// the document's description and components.
func mergeParts(paths, schemas map[string]any, parts []DocPart) (string, map[string]any) {
	description := "Dialect A, the Open API under /open-api/: every call is a POST of a signed envelope. " +
		"See docs/API.md for the codes and the signature."
	components := map[string]any{"schemas": schemas}
	for _, part := range parts {
		if part.Description != "" {
			description += "\n\n" + part.Description
		}
		mergeInto(paths, part.Paths)
		mergeInto(schemas, part.Schemas)
		if len(part.SecuritySchemes) > 0 {
			if components["securitySchemes"] == nil {
				components["securitySchemes"] = map[string]any{}
			}
			mergeInto(components["securitySchemes"].(map[string]any), part.SecuritySchemes)
		}
	}
	return description, components
}

// mergeInto adds src's entries to dst; a name in both panics.
func mergeInto(dst, src map[string]any) {
	for k, v := range src {
		if _, taken := dst[k]; taken {
			panic("open: OpenAPI part redefines " + k)
		}
		dst[k] = v
	}
}

func objectSchema(fs []field) map[string]any {
	props := map[string]any{}
	var required []string
	for _, f := range fs {
		s := map[string]any{"type": f.typ}
		if item, ok := strings.CutPrefix(f.typ, "[]"); ok {
			s = map[string]any{"type": "array", "items": ref(item)}
		}
		if f.desc != "" {
			s["description"] = f.desc
		}
		props[f.name] = s
		if f.required {
			required = append(required, f.name)
		}
	}
	o := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		sort.Strings(required)
		o["required"] = required
	}
	return o
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func docResponse(desc string, data any) map[string]any {
	props := map[string]any{"code": map[string]any{"type": "integer"}, "message": map[string]any{"type": "string"}}
	if data != nil {
		props["data"] = map[string]any{"oneOf": []any{data, map[string]any{"type": "null"}}}
	}
	return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{
		"schema": map[string]any{"type": "object", "required": []string{"code", "message"}, "properties": props}}}}
}

// schemaName turns /open-api/payment/checkout/channel into PaymentCheckoutChannel.
func schemaName(path string) string {
	var b strings.Builder
	for _, part := range strings.Split(strings.TrimPrefix(path, "/open-api/"), "/") {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

func aliasPath(path string) string {
	return "/open-api/{country}/" + strings.TrimPrefix(path, "/open-api/")
}

func aliasNames(kind string) []string {
	accept := map[string]aliasCountries{"payout": payoutAliases, "payment": paymentAliases, "static": staticAliases}[kind]
	var names []string
	for _, c := range gateway.Countries {
		if accept(c.Code) {
			names = append(names, c.Name)
		}
	}
	sort.Strings(names)
	return names
}
