package com.finehero.client.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.finehero.api.fines.v1.UpdateFineRequest;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI has a command for every RPC of the contract, and every command explains itself. */
class RpcCommandsTest {

    record Run(int exit, String out, String err) { }

    static Run finehero(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine line = FineHeroCli.commandLine();
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        return new Run(line.execute(args), out.toString(), err.toString());
    }

    /** (service, method) of every RPC, read straight from the descriptor set the proto module builds. */
    static List<String[]> contract() throws Exception {
        try (InputStream in = RpcCommandsTest.class.getResourceAsStream("/finehero/contract.desc")) {
            List<String[]> rpcs = new ArrayList<>();
            for (FileDescriptorProto file : FileDescriptorSet.parseFrom(in).getFileList()) {
                for (ServiceDescriptorProto service : file.getServiceList()) {
                    for (MethodDescriptorProto method : service.getMethodList()) {
                        rpcs.add(new String[] {service.getName(), method.getName()});
                    }
                }
            }
            return rpcs;
        }
    }

    @Test
    void namesAreTheContractsInKebabCase() {
        assertEquals("update-fine", RpcCatalog.kebab("UpdateFine"));
        assertEquals("get-me", RpcCatalog.kebab("GetMe"));
        assertEquals("list-fines-near", RpcCatalog.kebab("ListFinesNear"));
        assertEquals("batch-submit-tasks", RpcCatalog.kebab("BatchSubmitTasks"));
    }

    @Test
    void everyRpcInTheContractHasACommand() throws Exception {
        CommandLine line = FineHeroCli.commandLine();
        List<String[]> rpcs = contract();
        assertTrue(rpcs.size() > 40, "the contract has its RPCs: " + rpcs.size());
        List<String> missing = new ArrayList<>();
        for (String[] rpc : rpcs) {
            String group = RpcCatalog.kebab(rpc[0].replaceAll("Service$", ""));
            String command = RpcCatalog.kebab(rpc[1]);
            CommandLine service = line.getSubcommands().get(group);
            if (service == null || !service.getSubcommands().containsKey(command)) {
                missing.add("finehero " + group + " " + command + " (" + rpc[0] + "." + rpc[1] + ")");
            }
        }
        assertEquals(List.of(), missing);
    }

    @Test
    void everyCommandAnswersHelp() {
        List<List<String>> paths = new ArrayList<>();
        collect(FineHeroCli.commandLine(), new ArrayList<>(), paths);
        assertTrue(paths.size() > 60, "commands found: " + paths.size());
        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            Run help = finehero(args.toArray(String[]::new));
            assertEquals(0, help.exit(), path + ": " + help.err());
            assertTrue(help.out().contains("Usage: finehero"), path + " prints its usage: " + help.out());
        }
    }

    private static void collect(CommandLine command, List<String> path, List<List<String>> paths) {
        command.getSubcommands().forEach((name, sub) -> {
            if (name.equals("help") || name.equals("generate-completion")) {
                return;
            }
            List<String> next = new ArrayList<>(path);
            next.add(name);
            paths.add(next);
            collect(sub, next, paths);
        });
    }

    @Test
    void helpListsTheRequestFieldsAndAnExample() {
        Run help = finehero("fines", "update-fine", "--help");
        assertEquals(0, help.exit());
        for (String field : List.of("Request fields (UpdateFineRequest)", "fine  Fine", "vehicle_plate  string", "update_mask  FieldMask",
                "--set", "--from-file", "Example:", "finehero fines update-fine --set fine.id=<string>",
                "Changes the fields named in update_mask")) {
            assertTrue(help.out().contains(field), "help has '" + field + "':\n" + help.out());
        }
        Run flags = finehero("auth", "list-audit-events", "--help");
        assertTrue(flags.out().contains("--principal-id=<string>") && flags.out().contains("--page-size=<int32>"), flags.out());
    }

    @Test
    void flagsSetAndFromFileBuildTheRequest(@TempDir Path files) throws Exception {
        Path json = files.resolve("request.json");
        Files.writeString(json, "{\"fine\": {\"id\": \"from-file\", \"violationCode\": \"P9\"}, \"updateMask\": \"violationCode\"}");
        CommandLine line = FineHeroCli.commandLine();
        CommandLine update = line.getSubcommands().get("fines").getSubcommands().get("update-fine");
        line.parseArgs("fines", "update-fine", "--from-file", json.toString(), "--set", "fine.id=0c9f3ad0-0000-4000-8000-000000000001",
                "--set", "fine.version=7", "--set", "fine.amount.amount_minor=4550", "--set", "fine.amount.currency_code=EUR",
                "--set", "fine.contest.evidence_uris=a", "--set", "fine.contest.evidence_uris=b");
        List<Message> requests = ((RpcCommand) update.getCommandSpec().userObject()).requests();
        UpdateFineRequest request = (UpdateFineRequest) requests.getFirst();
        assertEquals("0c9f3ad0-0000-4000-8000-000000000001", request.getFine().getId(), "--set applies over the file");
        assertEquals("P9", request.getFine().getViolationCode());
        assertEquals(7, request.getFine().getVersion());
        assertEquals(4550, request.getFine().getAmount().getAmountMinor());
        assertEquals("EUR", request.getFine().getAmount().getCurrencyCode());
        assertEquals(List.of("a", "b"), request.getFine().getContest().getEvidenceUrisList());
        assertEquals(List.of("violation_code"), request.getUpdateMask().getPathsList());
    }

    @Test
    void aWrongFieldOrValueIsAUsageErrorBeforeAnyCall() {
        Run unknown = finehero("fines", "update-fine", "--set", "fine.colour=red");
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err().contains("Fine has no field 'colour'"), unknown.err());
        Run notNumber = finehero("fines", "list-fines", "--page-size", "lots");
        assertEquals(2, notNumber.exit());
        assertTrue(notNumber.err().contains("page_size") || notNumber.err().contains("lots"), notNumber.err());
        Run noEquals = finehero("fines", "get-fine", "--set", "fine_id");
        assertEquals(2, noEquals.exit());
        assertTrue(noEquals.err().contains("FIELD=VALUE"), noEquals.err());
    }

    @Test
    void aServiceGroupAloneListsItsCommands() {
        Run auth = finehero("auth");
        assertEquals(2, auth.exit());
        assertTrue(auth.out().contains("create-api-key") && auth.out().contains("list-audit-events"), auth.out());
    }

    @Test
    void theCommandsInTheDocsExist() throws Exception {
        CommandLine root = FineHeroCli.commandLine();
        List<String> unknown = new ArrayList<>();
        int checked = 0;
        for (String line : Files.readAllLines(Path.of("..", "docs", "clients.md"))) {
            for (String segment : line.split(";|&&")) {
                String text = segment.strip();
                if (!text.startsWith("bin/finehero ")) {
                    continue;
                }
                String[] words = text.substring("bin/finehero ".length()).split("\\s+");
                CommandLine at = root;
                int matched = 0;
                while (matched < words.length && at.getSubcommands().containsKey(words[matched])) {
                    at = at.getSubcommands().get(words[matched++]);
                }
                boolean needsSubcommand = !at.getSubcommands().isEmpty() && matched < words.length && !words[matched].startsWith("-")
                        && at.getCommandSpec().positionalParameters().isEmpty();
                if (matched == 0 || needsSubcommand) {
                    unknown.add(text);
                }
                checked++;
            }
        }
        assertTrue(checked > 10, "docs/clients.md shows commands: " + checked);
        assertEquals(List.of(), unknown);
    }

    @Test
    void completionCoversEveryCommand() throws Exception {
        Run completion = finehero("generate-completion");
        assertEquals(0, completion.exit(), completion.err());
        List<String> missing = new ArrayList<>();
        for (String[] rpc : contract()) {
            if (!completion.out().contains(RpcCatalog.kebab(rpc[1]))) {
                missing.add(RpcCatalog.kebab(rpc[1]));
            }
        }
        assertEquals(List.of(), missing);
        assertFalse(completion.out().isBlank());
    }

    @Test
    void yamlQuotesStringsAndNestsMessages() {
        var fine = com.finehero.api.fines.v1.Fine.newBuilder().setId("f-1").setVehiclePlate("a: b")
                .setAmount(com.finehero.api.common.v1.Money.newBuilder().setCurrencyCode("USD").setAmountMinor(4550))
                .setContest(com.finehero.api.fines.v1.Contest.newBuilder().addEvidenceUris("u1")).build();
        String yaml = MessageText.yaml(fine);
        assertTrue(yaml.contains("id: \"f-1\"\n"), yaml);
        assertTrue(yaml.contains("vehiclePlate: \"a: b\"\n"), yaml);
        assertTrue(yaml.contains("amount:\n  currencyCode: \"USD\"\n  amountMinor: \"4550\"\n"), yaml);
        assertTrue(yaml.contains("contest:\n  evidenceUris:\n    - \"u1\"\n"), yaml);
    }
}
